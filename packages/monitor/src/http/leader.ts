// GET /api/v1/leader: is this monitor the one acting? A single monitor always is; monitor HA
// (reference/ha.md) plugs its own check in (HttpServerOptions.leader) and answers 503 elsewhere,
// as orchestrator's /api/leader-check does, so a load balancer or a script finds the leader.

export interface LeaderStatus {
  leader: boolean;
  /** One sentence: why (e.g. `single monitor`, `follower of term 7: leader is mon2`). */
  reason: string;
}

export type LeaderCheck = () => LeaderStatus | Promise<LeaderStatus>;

export const singleMonitor: LeaderCheck = () => ({ leader: true, reason: 'single monitor: it always acts' });
