// GET /metrics of a running sandbox monitor (the BUILT mmm_sandbox, mmmd_mon and agents, real
// MariaDB, mutual TLS with the sandbox's viewer certificate), checked by the REAL `promtool check
// metrics` before and after a failover (kill -9 of the writer's mariadbd); the failover counter
// and every phase histogram must have moved, and the states and roles with them. The phase times
// are reported, not asserted. Skipped, saying why, when the sandbox reports no `monitor.http`
// (the HTTPS server on http_listen is not built in) or promtool is missing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { processAlive, stopDbCluster } from '../../packages/sandbox/src';
import { SANDBOX_BIN, log, runNode, until } from '../e2e/lib/cluster';

const PHASES = ['detect', 'decide', 'fence', 'promote', 'vip', 'converge'];

interface Status {
  monitor: { pid: number | null; http?: unknown };
  nodes: { name: string; mariadbd_pid: number | null; agent_pid: number | null }[];
  certs: { ca: string; viewer_cert?: string; viewer_key?: string };
}

/** `monitor.http` as `IP:PORT`, `[IPv6]:PORT`, `https://…` or `{ ip|host, port }`. */
function httpAddress(v: unknown): { host: string; port: number } | undefined {
  if (typeof v === 'string') {
    const m = /^(?:https:\/\/)?(?:\[([^\]]+)\]|([^:/]+)):(\d+)\/?$/.exec(v.trim());
    return m ? { host: m[1] ?? m[2]!, port: Number(m[3]) } : undefined;
  }
  if (v && typeof v === 'object') {
    const o = v as { ip?: unknown; host?: unknown; port?: unknown; address?: unknown; url?: unknown };
    if (typeof o.url === 'string') return httpAddress(o.url);
    if (typeof o.address === 'string') return httpAddress(o.address);
    const host = typeof o.ip === 'string' ? o.ip : typeof o.host === 'string' ? o.host : undefined;
    if (host && typeof o.port === 'number') return { host, port: o.port };
  }
  return undefined;
}

function promtool(args: string[], input?: string): { status: number | null; out: string } | undefined {
  const r = spawnSync('promtool', args, { input, encoding: 'utf8', timeout: 60_000 });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return undefined;
  return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

/** The value of one sample line `name{labels} value` (labels matched as a subset); undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('GET /metrics of a sandbox monitor: promtool check metrics before and after a failover', function () {
  this.timeout(240_000);
  let dir = '';
  let status: Status | undefined;
  let addr: { host: string; port: number } | undefined;
  const pids: number[] = [];
  let get: () => Promise<{ status: number; type: string; body: string }>;

  before(async function () {
    if (!promtool(['--version'])) {
      log('skipping: promtool not found (Debian package prometheus; scripts/setup.sh installs it as root)');
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'mmm-metrics-'));
    rmSync(dir, { recursive: true, force: true }); // up creates it
    const t0 = Date.now();
    const up = await runNode(SANDBOX_BIN, ['up', '--dir', dir], 150_000);
    if (up.code !== 0) throw new Error(`mmm_sandbox up exited ${up.code}:\n${up.stderr}`);
    log(`sandbox up in ${Date.now() - t0} ms (${dir})`);
    const st = await runNode(SANDBOX_BIN, ['status', '--json', '--dir', dir], 30_000);
    if (st.code !== 0) throw new Error(`mmm_sandbox status exited ${st.code}: ${st.stderr}`);
    status = JSON.parse(st.stdout) as Status;
    pids.push(...[status.monitor.pid, ...status.nodes.flatMap((n) => [n.mariadbd_pid, n.agent_pid])].filter((p): p is number => !!p));
    addr = httpAddress(status.monitor.http);
    const { viewer_cert: cert, viewer_key: key, ca } = status.certs;
    if (!addr || !cert || !key) {
      log(`skipping: mmm_sandbox status --json reports no monitor.http and viewer certificate (monitor.http=${JSON.stringify(status.monitor.http)}): the monitor's HTTPS server on http_listen is not built in`);
      this.skip();
    }
    const tlsOpts = { ca: readFileSync(ca), cert: readFileSync(cert), key: readFileSync(key) };
    get = () =>
      new Promise((resolve, reject) => {
        const req = https.get(
          { host: addr!.host, port: addr!.port, path: '/metrics', ...tlsOpts, checkServerIdentity: () => undefined, timeout: 10_000 },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
          },
        );
        req.on('timeout', () => req.destroy(new Error('no reply within 10 s')));
        req.on('error', reject);
      });
  });

  after(async function () {
    this.timeout(120_000);
    if (!dir || !existsSync(dir)) return;
    const down = await runNode(SANDBOX_BIN, ['down', '--dir', dir], 90_000);
    if (down.code !== 0) log(`down exited ${down.code}: ${down.stderr.trim()}`);
    if (existsSync(join(dir, 'db-cluster.json'))) await stopDbCluster(dir).catch((e: Error) => log(`stopDbCluster: ${e.message}`));
    rmSync(dir, { recursive: true, force: true });
    const alive = pids.filter((p) => processAlive(p));
    expect(alive, 'no process of the sandbox left').to.deep.equal([]);
  });

  let before0 = '';

  it('before: valid exposition (promtool), the cluster as it is, the failover series at 0', async () => {
    const r = await until('GET /metrics answering with the writer on db1', async () => {
      const x = await get();
      return x.status === 200 && sample(x.body, 'mmm_host_role', { host: 'db1', role: 'writer' }) === 1 && sample(x.body, 'mmm_mysql_read_only', { host: 'db1' }) === 0 ? x : undefined;
    }, 30_000, 250);
    before0 = r.body;
    expect(r.type).to.match(/^text\/plain; version=0\.0\.4/);
    const check = promtool(['check', 'metrics'], r.body)!;
    log(`promtool check metrics (before): exit ${check.status}${check.out ? `: ${check.out}` : ', no findings'}`);
    expect(check, check.out).to.deep.equal({ status: 0, out: '' });
    expect(sample(r.body, 'mmm_up')).to.equal(1);
    for (const h of ['db1', 'db2', 'db3']) expect(sample(r.body, 'mmm_host_state', { host: h, state: 'ONLINE' }), h).to.equal(1);
    expect(sample(r.body, 'mmm_failovers_total', { result: 'success' })).to.equal(0);
    for (const p of PHASES) expect(sample(r.body, 'mmm_failover_phase_seconds_count', { phase: p }), p).to.equal(0);
    expect(sample(r.body, 'mmm_agent_rtt_seconds_count', { host: 'db2' })).to.be.greaterThan(0);
  });

  it('kill -9 of db1 mariadbd: failovers_total{result="success"} +1, every phase observed, states and roles moved; promtool still passes', async () => {
    const pid = status!.nodes.find((n) => n.name === 'db1')!.mariadbd_pid!;
    const t0 = Date.now();
    process.kill(pid, 'SIGKILL');
    const r = await until('the failover counted and converged in /metrics', async () => {
      const x = await get();
      return x.status === 200 && sample(x.body, 'mmm_failovers_total', { result: 'success' }) === 1 && sample(x.body, 'mmm_failover_phase_seconds_count', { phase: 'converge' }) === 1 ? x : undefined;
    }, 60_000, 250);
    log(`fault → failover counted and converged in /metrics: ${Date.now() - t0} ms`);
    const check = promtool(['check', 'metrics'], r.body)!;
    log(`promtool check metrics (after): exit ${check.status}${check.out ? `: ${check.out}` : ', no findings'}`);
    expect(check, check.out).to.deep.equal({ status: 0, out: '' });
    const phases = Object.fromEntries(PHASES.map((p) => [p, sample(r.body, 'mmm_failover_phase_seconds_sum', { phase: p })]));
    log(`phases (s): ${PHASES.map((p) => `${p} ${phases[p]!.toFixed(3)}`).join(', ')}`);
    for (const p of PHASES) {
      expect(sample(r.body, 'mmm_failover_phase_seconds_count', { phase: p }), p).to.equal(1);
      expect(sample(before0, 'mmm_failover_phase_seconds_count', { phase: p }), p).to.equal(0);
    }
    expect(phases.detect, 'the failure took a moment to detect').to.be.greaterThan(0);
    expect(sample(r.body, 'mmm_failovers_total', { result: 'failed' })).to.equal(0);
    expect(sample(r.body, 'mmm_host_state', { host: 'db1', state: 'ONLINE' })).to.equal(0);
    expect(sample(r.body, 'mmm_host_state', { host: 'db1', state: 'HARD_OFFLINE' })).to.equal(1);
    expect(sample(r.body, 'mmm_host_role', { host: 'db2', role: 'writer' })).to.equal(1);
    expect(sample(r.body, 'mmm_host_role', { host: 'db1', role: 'writer' })).to.equal(0);
    // db1's mysql check fails after trap_period (its agent's report may have been quicker); db3
    // replicates from db2 (its agent re-pointed it in the converge phase)
    await until('db1 mysql check failed and db3 replicating in /metrics', async () => {
      const x = await get();
      return sample(x.body, 'mmm_check_ok', { host: 'db1', check: 'mysql' }) === 0 &&
        sample(x.body, 'mmm_replication_io_running', { host: 'db3' }) === 1 && sample(x.body, 'mmm_replication_sql_running', { host: 'db3' }) === 1;
    }, 30_000, 250);
  });
});
