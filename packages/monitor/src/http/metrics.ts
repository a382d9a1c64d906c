// What GET /metrics serves: anything with prom-client's Registry shape. The metrics part
// (monitor/src/metrics) passes the real registry; until then, and in tests, a registry holding
// only `mmm_up 1` answers, so the route and its content type are already right.

/** prom-client's Registry, as far as the API uses it. */
export interface MetricsRegistry {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/** Prometheus text exposition 0.0.4 (prom-client's Registry.PROMETHEUS_CONTENT_TYPE). */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export const builtinRegistry: MetricsRegistry = {
  contentType: PROMETHEUS_CONTENT_TYPE,
  metrics: () => Promise.resolve('# HELP mmm_up 1 while the monitor runs.\n# TYPE mmm_up gauge\nmmm_up 1\n'),
};
