// mmmd_mon as a whole: the monitor loop plus its control listener, TLS material shared by both
// (listener for incoming mmm_control, client material for new agent connections).
import { hostname } from 'node:os';
import {
  type Listener,
  type Logger,
  type MmmConfig,
  type TlsMaterial,
  clusterNameOf,
  errorMessage,
  hostPort,
  loadTlsMaterial,
  resolveMonitorHa,
  validateTlsMaterial,
} from '@mmm/common';
import { startControlServer } from './control/control-server';
import type { LeaderCheck } from './http/leader';
import type { MetricsRegistry } from './http/metrics';
import { type HttpServer, startHttpServer } from './http/server';
import { MonitorHa } from './ha/monitor-ha';
import { Monitor, type MonitorOptions } from './monitor';

export interface DaemonOptions extends Omit<MonitorOptions, 'material'> {
  config: MmmConfig;
  logger: Logger;
  /** Keep retrying a control port in use for this long (mmmd_mon: --bind-retry, 60 s); default 0. */
  bindRetryMs?: number;
  /** How often certificate expiry is re-evaluated (default hourly). */
  certCheckIntervalMs?: number;
  /** GET /metrics of the HTTPS API (http_listen); default: only `mmm_up 1`. */
  metrics?: MetricsRegistry;
  /** GET /api/v1/leader; default: a single monitor, always the leader. */
  leader?: LeaderCheck;
}

const CERT_CHECK_EVERY_MS = 3_600_000;

/** `<monitor_ha>` → the election on etcd (docs/ha.md); its defaults need the @cluster and the host name. */
function haOf(o: DaemonOptions): MonitorHa {
  const settings = resolveMonitorHa(o.config, { cluster: o.cluster, hostName: hostname() })!;
  const h = o.config.monitor?.httpListen;
  const http = h ? hostPort(h) : undefined;
  const logger = o.logger.child({ part: 'ha' });
  // loaded only with HA: etcd3 reads its gRPC definitions when it is first required
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { EtcdCoordinator } = require('./ha/etcd-coordinator') as typeof import('./ha/etcd-coordinator');
  const coordinator = new EtcdCoordinator({ settings, logger, ...(http ? { http } : {}) });
  return new MonitorHa({ coordinator, monitorId: settings.monitorId, cluster: clusterNameOf(o.config, o.cluster), logger });
}

export class MonitorDaemon {
  readonly monitor: Monitor;
  private listener?: Listener;
  private http?: HttpServer;
  private certTimer?: NodeJS.Timeout;

  constructor(private readonly o: DaemonOptions) {
    this.monitor = new Monitor({ ...o, ...(o.ha || !o.config.monitorHa ? {} : { ha: haOf(o) }) });
  }

  get controlAddress(): { host: string; port: number } | undefined {
    return this.listener ? { host: this.listener.host, port: this.listener.port } : undefined;
  }

  /** The HTTPS API's address (http_listen), once bound. */
  get httpAddress(): { host: string; port: number } | undefined {
    return this.http ? { host: this.http.host, port: this.http.port } : undefined;
  }

  async start(): Promise<void> {
    const { config, logger } = this.o;
    const m = config.monitor;
    if (!m) throw new Error('no <monitor> section in the configuration');
    let material: TlsMaterial | undefined;
    if (config.socket.type === 'ssl') {
      material = await loadTlsMaterial(config.socket);
      validateTlsMaterial(material, config.socket);
      this.monitor.material = material;
      this.monitor.certWatch.setMaterial(material);
      this.certTimer = setInterval(() => this.monitor.certWatch.evaluate(), this.o.certCheckIntervalMs ?? CERT_CHECK_EVERY_MS);
      this.certTimer.unref();
    }
    // Bind first: if the control port is taken, exit before any agent was told anything.
    // Startup holds the mutex from now on, so commands that arrive meanwhile wait for it.
    let bound!: (ok: boolean) => void;
    const bindDone = new Promise<boolean>((resolve) => (bound = resolve));
    const started = this.monitor.mutex.run(async () => {
      if (await bindDone) await this.monitor.start();
    });
    try {
      this.listener = await startControlServer({
        config,
        host: m.ip,
        port: m.port,
        material,
        logger,
        target: this.monitor,
        mutex: this.monitor.mutex,
        ...(this.o.bindRetryMs !== undefined ? { bindRetryMs: this.o.bindRetryMs } : {}),
      });
      // the HTTPS API too: a port in use stops the start before any agent was told anything
      if (m.httpListen) {
        this.http = await startHttpServer({
          config,
          host: m.httpListen.ip,
          port: m.httpListen.port,
          material,
          logger,
          target: this.monitor,
          mutex: this.monitor.mutex,
          metrics: this.o.metrics ?? this.monitor.metrics.registry,
          ...(this.o.leader ? { leader: this.o.leader } : this.monitor.ha ? { leader: () => this.monitor.ha!.leaderStatus() } : {}),
          ...(this.o.bindRetryMs !== undefined ? { bindRetryMs: this.o.bindRetryMs } : {}),
        });
      }
    } catch (e) {
      await this.listener?.close();
      this.listener = undefined;
      bound(false);
      await started;
      throw e;
    }
    bound(true);
    await started;
    const api = this.http ? `, HTTPS API on ${hostPort({ ip: m.httpListen!.ip, port: this.http.port })}` : '';
    logger.info(`mmmd_mon running: control on ${m.ip}:${this.listener!.port}${api}`);
    if (config.monitor?.legacyFailover === 'mmm') {
      logger.warn("legacy_failover mmm: a failed writer that runs an MMM 2.x agent is replaced after trap_period, as MMM 2.x did, without proof that it stopped writing or dropped the writer IP: a crash may leave two writers (docs/upgrade.md)");
    }
  }

  /** SIGHUP: new material for the listener and for new agent connections; bad material is refused. */
  async reloadTls(): Promise<void> {
    const { config, logger } = this.o;
    if (config.socket.type !== 'ssl') return;
    try {
      const material = await loadTlsMaterial(config.socket);
      validateTlsMaterial(material, config.socket);
      await this.listener?.reload(material);
      await this.http?.reload(material);
      this.monitor.material = material;
      this.monitor.agents.resetConnections();
      this.monitor.warnings.delete('tls');
      this.monitor.certWatch.setMaterial(material);
      logger.info('TLS material reloaded');
    } catch (e) {
      const msg = `TLS reload refused, keeping the previous certificates: ${errorMessage(e)}`;
      this.monitor.warnings.set('tls', msg);
      logger.error(msg);
      throw e;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.certTimer);
    await this.http?.close();
    await this.listener?.close();
    await this.monitor.stop();
  }
}
