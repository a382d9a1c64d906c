// mmm_sandbox entry point: the only place that touches argv, signals and process.exit.
import { Command, InvalidArgumentError } from 'commander';
import { mmmVersion } from '@mmm/common';
import { readDbClusterState } from './cluster';
import { SandboxError } from './exec';
import { INSTALL_HINT } from './mariadb';
import { DEFAULT_SANDBOX_DIR, down, formatStatus, startNode, status, stopNode, up, usageText } from './sandbox';
import { readVipProxyConfig, startVipProxy } from './vip-proxy';
import { MAX_MONITORS, monitorIp, sandboxNames } from './paths';
import { readForwardConfig, startForwarder } from './forward';
import { SANDBOX_SEMISYNC_TIMEOUT, parseMonitorOption, parseSandboxChecks, parseSemisyncTimeout, type SandboxChecks } from './sandbox-config';

const err = (line: string): void => void process.stderr.write(`${line}\n`);

function replicasArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 18) throw new InvalidArgumentError('a whole number from 0 to 18');
  return n;
}

function checksArg(v: string): SandboxChecks {
  try {
    return parseSandboxChecks(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

/** Repeatable --monitor-option: collects the pairs in order. */
function monitorOptionArg(v: string, prev: Array<[string, string]> = []): Array<[string, string]> {
  try {
    return [...prev, parseMonitorOption(v)];
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

function semisyncTimeoutArg(v: string): number {
  try {
    return parseSemisyncTimeout(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

/** `up --monitors N`: the count, or the usage error (exit 2) when N or its combination is wrong. */
function monitorsUsage(text: string | undefined, o: { netns: boolean; monitor: boolean; agents: boolean }): number | string {
  if (text === undefined) return 1;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_MONITORS) return `--monitors: a whole number from 1 to ${MAX_MONITORS}, not '${text}'`;
  if (n === 1) return 1;
  if (!o.netns) return `--monitors ${n} needs --netns (root): each monitor and its etcd member run in a network namespace of their own (up --netns --monitors ${n})`;
  if (!o.monitor || !o.agents) return `--monitors ${n} starts monitors: not with --no-monitor or --no-agents`;
  return n;
}

function fail(e: unknown): number {
  const msg = e instanceof Error ? e.message : String(e);
  err(`mmm_sandbox: ${msg}`);
  if (e instanceof SandboxError && e.code === 'NOT_INSTALLED' && !msg.includes('apt-get')) err(`install MariaDB with: ${INSTALL_HINT}`);
  return 1;
}

async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command('mmm_sandbox')
    .description('A local mmm cluster of real MariaDB servers, agents and a monitor, all on mutual TLS')
    .version(mmmVersion())
    .enablePositionalOptions(false)
    .showHelpAfterError();
  const dirOpt = (c: Command): Command => c.option('--dir <DIR>', 'sandbox directory (names, ports and subnets derive from it)', DEFAULT_SANDBOX_DIR);

  dirOpt(
    program
      .command('up')
      .description('start MariaDB nodes, certificates, configs, agents and the monitor; return when the cluster is ONLINE')
      .option('--replicas <N>', 'replicas besides the two masters db1, db2', replicasArg, 1)
      .option('--netns', 'every node in its own network namespace (root)', false)
      .option('--timeout <SECONDS>', 'bound for the whole start', (v) => Number(v), 90)
      .option('--no-monitor', 'development: stop after the agents are up')
      .option('--no-agents', 'MariaDB only (accounts, replication, network; over TLS with the sandbox CA unless --no-mysql-tls): no mmm configs, agents or monitor, for mmm run from elsewhere (e.g. the installed package)')
      .option('--no-mysql-tls', 'MariaDB without TLS: the monitor\'s checks and replication in clear, accounts without REQUIRE SSL (to compare)')
      .option('--semisync', 'durability semisync: the agents turn on MariaDB\'s semi-synchronous replication (the writer waits for a replica\'s acknowledgement, AFTER_SYNC)', false)
      .option('--semisync-timeout <SECONDS>', `with --semisync: semisync_timeout, seconds the writer waits for a replica's acknowledgement before it falls back to async (default ${SANDBOX_SEMISYNC_TIMEOUT}; above writer_lease + 5 s)`, semisyncTimeoutArg)
      .option('--no-writer-vip', 'no writer VIP: the writer role\'s address is only recorded, never put on an interface; clients reach the writer through a load balancer checking each agent\'s /writer health endpoint')
      .option('--checks <SET>', 'monitor check settings: tuned (default: 0.25 s checks, 0.75 s trap), default (MMM 2.x: 5 s, trap 10 s, timeout 2 s) or PERIOD/TRAP[/TIMEOUT] seconds', checksArg)
      .option('--monitors <N>', `monitors (default 1); N from 2 to ${MAX_MONITORS} with --netns: monitor HA, an N-member etcd cluster on mutual TLS and N monitors, monitor K and etcd member K in namespace monK`)
      .option('--monitor-option <KEY=VALUE>', 'a <monitor> key of mmm_mon.conf, e.g. failover_cooldown=300 (replaces the sandbox\'s 0), failover_max_lag=5, never_writer=db2; repeatable', monitorOptionArg),
  ).action(async (o: {
    dir: string; replicas: number; netns: boolean; timeout: number; monitor: boolean; agents: boolean; mysqlTls: boolean; semisync: boolean; semisyncTimeout?: number; writerVip: boolean; checks?: SandboxChecks;
    monitorOption?: Array<[string, string]>; monitors?: string;
  }) => {
    const monitors = monitorsUsage(o.monitors, o);
    if (typeof monitors === 'string') {
      err(`mmm_sandbox: ${monitors}`);
      code = 2;
      return;
    }
    const ac = new AbortController();
    const onSig = (): void => {
      err('interrupted: cleaning up…');
      ac.abort();
    };
    process.on('SIGINT', onSig);
    process.on('SIGTERM', onSig);
    try {
      const r = await up({
        dir: o.dir, replicas: o.replicas, netns: o.netns, noMonitor: !o.monitor, noAgents: !o.agents, mysqlTls: o.mysqlTls, semisync: o.semisync, noWriterVip: !o.writerVip,
        ...(o.semisyncTimeout !== undefined ? { semisyncTimeout: o.semisyncTimeout } : {}),
        timeoutMs: o.timeout * 1000, log: err, signal: ac.signal, ...(o.checks ? { checks: o.checks } : {}),
        ...(o.monitorOption ? { monitorOptions: o.monitorOption } : {}), monitors,
      });
      const db = readDbClusterState(o.dir)!;
      const secs = (r.elapsedMs / 1000).toFixed(1);
      process.stdout.write(`mmm sandbox up in ${secs} s: ${db.nodes.length} nodes (${db.network}) in ${r.state.dir}\n\n`);
      if (r.show) process.stdout.write(`$ mmm_control show\n${r.show.trimEnd()}\n\n`);
      // monitor HA: the monitors reach the nodes from their own namespaces, not through the veth
      const monIp = db.network === 'netns' && !r.state.ha ? monitorIp(sandboxNames(o.dir)) : undefined;
      process.stdout.write(`${usageText(r.state, db.nodes, db.credentials, monIp)}\n`);
    } catch (e) {
      code = fail(e);
    } finally {
      process.off('SIGINT', onSig);
      process.off('SIGTERM', onSig);
    }
  });

  dirOpt(
    program
      .command('status')
      .description('what runs in the sandbox (PIDs, addresses, VIPs read live)')
      .option('--json', 'machine-readable (DESIGN §6 shape)', false),
  ).action(async (o: { dir: string; json: boolean }) => {
    const s = await status(o.dir);
    if (!s) {
      err(`mmm_sandbox: no sandbox in ${sandboxNames(o.dir).dir} (start one with \`mmm_sandbox up --dir ${o.dir}\`)`);
      code = 1;
      return;
    }
    process.stdout.write(o.json ? `${JSON.stringify(s, null, 2)}\n` : `${formatStatus(s)}\n`);
  });

  dirOpt(
    program
      .command('down')
      .description('stop the monitor, the agents and MariaDB (by PID), remove namespaces, VIPs and DIR')
      .option('--keep', 'keep DIR (data, logs, configs)', false),
  ).action(async (o: { dir: string; keep: boolean }) => {
    try {
      const found = await down({ dir: o.dir, keep: o.keep, log: err });
      if (!found) err(`mmm_sandbox: no sandbox in ${sandboxNames(o.dir).dir}: nothing to stop`);
      else err('sandbox down');
    } catch (e) {
      code = fail(e);
    }
  });

  dirOpt(
    program
      .command('stop')
      .argument('<NODE>', 'db1, db2, …')
      .description("stop NODE's mariadbd by PID (SIGTERM; --kill: SIGKILL, like a crash); agents and monitor keep running")
      .option('--kill', 'SIGKILL at once instead of SIGTERM', false),
  ).action(async (name: string, o: { dir: string; kill: boolean }) => {
    try {
      process.stdout.write(`${await stopNode({ dir: o.dir, node: name, kill: o.kill })}\n`);
    } catch (e) {
      code = fail(e);
    }
  });

  dirOpt(
    program
      .command('start')
      .argument('<NODE>', 'db1, db2, …')
      .description("start NODE's mariadbd again (same datadir and my.cnf) and wait until it answers; `down` stops it"),
  ).action(async (name: string, o: { dir: string }) => {
    try {
      process.stdout.write(`${await startNode({ dir: o.dir, node: name })}\n`);
    } catch (e) {
      code = fail(e);
    }
  });

  // Internal: the forwarders `up` starts (and `down` stops) by PID: loopback mode's VIPs, and monitor
  // HA's 127.0.0.1 ports of the monitors' control ports and APIs.
  const forwarder = (name: string, file: string, start: (config: string, log: (line: string) => void) => Promise<{ close(): Promise<void> }>): void => {
    program
      .command(name, { hidden: true })
      .requiredOption('--config <FILE>', file)
      .action(async (o: { config: string }) => {
        const log = (line: string): void => err(`${new Date().toISOString()} ${name} ${line}`);
        try {
          const running = await start(o.config, log);
          const sig = await untilSignal();
          await running.close();
          log(`stopped (${sig})`);
        } catch (e) {
          code = fail(e);
        }
      });
  };
  forwarder('vip-proxy', 'DIR/vip-proxy.json', (config, log) => startVipProxy(readVipProxyConfig(config), log));
  forwarder('forward', 'DIR/monitor-forward.json', (config, log) => startForwarder(readForwardConfig(config), log));

  await program.parseAsync(argv, { from: 'user' });
  return code;
}

/** Resolves with the name of the first SIGTERM or SIGINT. */
const untilSignal = (): Promise<string> => new Promise((resolve) => {
  process.once('SIGTERM', () => resolve('SIGTERM'));
  process.once('SIGINT', () => resolve('SIGINT'));
});

export function run(): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => process.exit(fail(e)),
  );
}
