// Has a host transactions the writer lacks (an old writer that committed while cut off, or a
// replica that received more from a lost writer than the new one)? Such a host can neither
// replicate from the writer nor take over from it: it is kept out of service with the GTIDs named.
import { gtidsMissingOnWriter } from '@mmm/common/pure';
import { freshHealth } from './health';
import type { HealthSummary, HostObservation } from './snapshot';

const SHOWN = 5;

/** Missing GTIDs of `host` on `writer` from their GET_HEALTH, [] when none, undefined when unknown. */
export function missingOnWriter(host: HealthSummary | undefined, writer: HealthSummary | undefined): string[] | undefined {
  if (host?.gtidBinlogState === undefined || writer?.gtidBinlogState === undefined) return undefined;
  return gtidsMissingOnWriter(host.gtidBinlogState, writer.gtidBinlogState, writer.serverId);
}

/** The same from observations, only when both healths are fresh; the reason text, or undefined. */
export function divergence(host: string, writer: string, hosts: Record<string, HostObservation>, maxAgeMs: number, now: number): string | undefined {
  if (!writer || host === writer) return undefined;
  const missing = missingOnWriter(freshHealth(hosts[host], now, maxAgeMs), freshHealth(hosts[writer], now, maxAgeMs));
  if (!missing || missing.length === 0) return undefined;
  return divergenceReason(host, writer, missing);
}

/**
 * Both agents report GTID positions (GET_HEALTH has given them before), but not both freshly now,
 * or the host's is older than `since` (a reading from before it came back says nothing of what it
 * committed while cut off): whether `host` diverged is not known this pass. False when nothing is
 * to compare (no writer, the writer itself, an agent without GTID positions, as MMM 2.x agents).
 */
export function divergenceUnknown(host: string, writer: string, hosts: Record<string, HostObservation>, maxAgeMs: number, now: number, since = 0): boolean {
  if (!writer || host === writer) return false;
  const a = hosts[host]?.agent;
  if (a?.health?.gtidBinlogState === undefined || hosts[writer]?.agent.health?.gtidBinlogState === undefined) return false;
  if ((a.healthAt ?? 0) < since) return true;
  return missingOnWriter(freshHealth(hosts[host], now, maxAgeMs), freshHealth(hosts[writer], now, maxAgeMs)) === undefined;
}

export function divergenceReason(host: string, writer: string, missing: string[]): string {
  const list = missing.slice(0, SHOWN).join(', ') + (missing.length > SHOWN ? `, … (${missing.length})` : '');
  return `${host} has transactions the writer ${writer} lacks (${list}): it diverged (e.g. committed while cut off) and cannot replicate from ${writer}; inspect them with mysqlbinlog, then rebuild ${host} from ${writer} or apply them there by hand`;
}
