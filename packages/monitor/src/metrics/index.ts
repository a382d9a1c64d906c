export { MonitorMetrics, type MetricsSource, type PassSource } from './monitor-metrics';
export { FAILOVER_PHASES, RESULTS, type FailoverPhase, type Result } from './failover-phases';
