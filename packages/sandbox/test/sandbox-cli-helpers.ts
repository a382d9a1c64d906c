// Shared by the tests that run the BUILT mmm_sandbox binary as a child process (cli.test.ts,
// loopback-vips.test.ts): running it, reading status --json, checking that down left nothing.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { listNamespaces, processAlive, roleIps, run, sandboxNames, stopDbCluster, type SandboxStatus } from '../src';

export const ROOT = resolve(__dirname, '../../..');
export const BIN = join(ROOT, 'packages/sandbox/bin/mmm_sandbox.js');
export const CONTROL_BIN = join(ROOT, 'packages/control/bin/mmm_control.js');

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export function node(script: string, args: string[], timeoutMs = 150_000, cwd = tmpdir()): Promise<Ran> {
  return new Promise((res) => {
    execFile(process.execPath, [script, ...args], { cwd, timeout: timeoutMs, maxBuffer: 8 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 99) : 0;
      res({ code, stdout, stderr });
    });
  });
}
export const sandbox = (args: string[], timeoutMs?: number): Promise<Ran> => node(BIN, args, timeoutMs);

export async function loAddresses(): Promise<string[]> {
  const out = (await run('ip', ['-o', '-4', 'addr', 'show', 'dev', 'lo'])).stdout;
  return [...out.matchAll(/\binet\s+([0-9.]+)\//g)].map((m) => m[1]!);
}

export async function statusJson(dir: string): Promise<SandboxStatus> {
  const r = await sandbox(['status', '--json', '--dir', dir], 30_000);
  expect(r.code, r.stderr).to.equal(0);
  return JSON.parse(r.stdout) as SandboxStatus;
}

/** Everything `down` must have removed, given what status said before (and other PIDs the test saw). */
export async function expectNothingLeft(dir: string, before: SandboxStatus, alsoPids: number[] = []): Promise<void> {
  const pids = [before.monitor.pid, before.vip_proxy?.pid ?? null, ...before.nodes.flatMap((n) => [n.mariadbd_pid, n.agent_pid]), ...alsoPids]
    .filter((p): p is number => p !== null);
  expect(pids.filter((p) => processAlive(p)), 'PIDs still alive').to.deep.equal([]);
  const names = sandboxNames(dir);
  const ns = (await listNamespaces()).filter((n) => n.startsWith(`${names.prefix}-`));
  expect(ns, 'namespaces left').to.deep.equal([]);
  const link = await run('ip', ['link', 'show', names.netns.monitorIf], { allowFail: true });
  expect(link.code, `veth ${names.netns.monitorIf} left`).to.not.equal(0);
  const vips = before.nodes.flatMap((n) => n.vips);
  const lo = await loAddresses();
  expect(vips.filter((v) => lo.includes(v)), 'VIPs left on lo').to.deep.equal([]);
  expect(existsSync(dir), 'DIR left').to.equal(false);
}

export async function cleanup(dir: string): Promise<void> {
  if (!dir || !existsSync(dir)) return;
  const r = await sandbox(['down', '--dir', dir], 60_000);
  if (r.code !== 0) console.log(`      down failed in cleanup: ${r.stderr}`);
  if (existsSync(join(dir, 'db-cluster.json'))) await stopDbCluster(dir).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}

/** A temp dir whose derived loopback VIP range does not overlap `others`' (127.0.1.x is shared). */
export function freshDir(label: string, others: string[] = []): string {
  for (;;) {
    const dir = mkdtempSync(join(tmpdir(), `mmm-sbx-${label}-`));
    const mine = Object.values(roleIps(sandboxNames(dir), 3, 'loopback')).flat();
    const theirs = others.flatMap((o) => Object.values(roleIps(sandboxNames(o), 3, 'loopback')).flat());
    const sameNodes = others.some((o) => sandboxNames(o).loopback.portBase === sandboxNames(dir).loopback.portBase);
    if (!sameNodes && !mine.some((ip) => theirs.includes(ip))) return dir;
    rmSync(dir, { recursive: true, force: true });
  }
}
