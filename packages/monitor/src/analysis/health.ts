// Adapter from the wire form of GET_HEALTH (common/protocol/agent-health) to the analysis view.
import type { AgentHealth } from '@mmm/common';
import type { HealthSummary } from './snapshot';

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
  if (h.serverId !== undefined) out.serverId = h.serverId;
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
