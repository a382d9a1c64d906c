// Adapter from the wire form of GET_HEALTH (common/protocol/agent-health) to the analysis view.
import type { AgentHealth } from '@mmm/common/pure';
import type { HealthSummary, HostObservation, SemisyncHealth } from './snapshot';

/** The host's GET_HEALTH when its agent answers and the reading is at most `maxAgeMs` old. */
export function freshHealth(o: HostObservation | undefined, now: number, maxAgeMs: number): HealthSummary | undefined {
  const a = o?.agent;
  if (!a?.reachable || !a.health || a.healthAt === undefined) return undefined;
  return now - a.healthAt <= maxAgeMs ? a.health : undefined;
}

/** `masterHost`: where the replica points (GET_SYSTEM_STATUS Master_Host), when known. */
export function healthFromWire(h: AgentHealth, masterHost?: string): HealthSummary {
  const out: HealthSummary = {
    // 'unknown' may be a hung server that resumes later: only a certain stop counts as dead.
    mysqldRunning: h.mysqld !== 'stopped',
    answering: h.answering,
    readOnly: h.writable === undefined ? undefined : !h.writable,
    lease: { held: h.lease === 'held', remainingMs: h.lease === 'expired' || h.lease === 'fenced' ? 0 : h.leaseLeftMs },
  };
  if (h.gtidBinlogState !== undefined) out.gtidBinlogState = h.gtidBinlogState;
  if (h.gtidBinlogPos !== undefined) out.gtidBinlogPos = h.gtidBinlogPos;
  if (h.serverId !== undefined) out.serverId = h.serverId;
  const semisync = semisyncFromWire(h);
  if (semisync) out.semisync = semisync;
  if (h.replication === 'configured') {
    out.replication = {
      masterHost,
      ioConnected: !!h.ioConnected,
      sqlRunning: !!h.sqlRunning,
      lastReceiveAgeMs: h.lastHeartbeatAgeMs,
      secondsBehindMaster: h.secondsBehind ?? null,
      gtidIoPos: h.gtidIoPos,
      gtidSlavePos: h.gtidSlavePos,
    };
  }
  return out;
}

/** The semisync_* keys (issue 16); undefined when the agent sent none (async, or an older agent). */
function semisyncFromWire(h: AgentHealth): SemisyncHealth | undefined {
  const s: SemisyncHealth = {
    master: h.semisyncMaster,
    masterStatus: h.semisyncMasterStatus,
    masterClients: h.semisyncMasterClients,
    masterYesTx: h.semisyncMasterYesTx,
    masterNoTx: h.semisyncMasterNoTx,
    replica: h.semisyncSlave,
    replicaStatus: h.semisyncSlaveStatus,
  };
  for (const k of Object.keys(s) as (keyof SemisyncHealth)[]) if (s[k] === undefined) delete s[k];
  return Object.keys(s).length > 0 ? s : undefined;
}
