import type { MmmConfig } from '@mmm/common/pure';
import type { AnalysisPolicy } from './snapshot';

export const DEFAULT_POLICY: AnalysisPolicy = {
  leaseMarginMs: 1000,
  heartbeatBoundMs: 5000,
  healthMaxAgeMs: 15000,
  peerGraceMs: 60_000,
  shortOutageSec: 60,
};

/** orchestrator's RecoveryPeriodBlockSeconds: a second failure within the hour is rarely independent of the first. */
export const DEFAULT_FAILOVER_COOLDOWN_SEC = 3600;

export function makePolicy(over: Partial<AnalysisPolicy> = {}): AnalysisPolicy {
  return { ...DEFAULT_POLICY, ...over };
}

/** Monitor settings with MMM defaults when the config has no <monitor> section (tests, control). */
export function monitorSettings(config: MmmConfig): {
  flapCount: number;
  flapDurationMs: number;
  autoSetOnlineMs: number;
  waitForOtherMasterMs: number;
  carefulStartup: boolean;
  firstStart: 'manual' | 'vote';
  killHostBin?: string;
  neverWriter: readonly string[];
  promotionOrder: readonly string[];
  failoverMaxLagSec?: number;
  failoverCooldownMs: number;
} {
  const m = config.monitor;
  return {
    flapCount: m?.flapCount ?? 3,
    flapDurationMs: (m?.flapDuration ?? 3600) * 1000,
    autoSetOnlineMs: (m?.autoSetOnline ?? 0) * 1000,
    waitForOtherMasterMs: (m?.waitForOtherMaster ?? 120) * 1000,
    carefulStartup: m?.carefulStartup ?? true,
    firstStart: m?.firstStart ?? 'manual',
    killHostBin: m?.killHostBin,
    neverWriter: m?.neverWriter ?? [],
    promotionOrder: m?.promotionOrder ?? [],
    failoverMaxLagSec: m?.failoverMaxLag,
    failoverCooldownMs: (m?.failoverCooldown ?? DEFAULT_FAILOVER_COOLDOWN_SEC) * 1000,
  };
}
