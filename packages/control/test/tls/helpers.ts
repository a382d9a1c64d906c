// mmm_tls tests: a loopback cluster on disk (shared with test/tls), and a tiny fake monitor
// that answers the control protocol's `ping` over mutual TLS.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { createListener, nullLogger, texts, type Listener, type MmmConfig } from '@mmm/common';
import { REPO } from '../../../../test/tls/helpers/cluster';

export { makeTestCluster, write, type TestCluster } from '../../../../test/tls/helpers/cluster';
export { startAgent, type AgentProcess } from '../../../../test/tls/helpers/agent-process';
export { startFakeMysql, type FakeMysql } from '../../../../test/tls/helpers/fake-mysql';

export const MMM_TLS = path.join(REPO, 'packages/control/bin/mmm_tls.js');

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built mmm_tls (async: the test process may host a listener the child talks to). */
export function runTls(args: string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MMM_TLS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Answers `ping` with MMM's text, then closes after `quit` (what verify --secure needs of a monitor). */
export async function fakeMonitor(config: MmmConfig): Promise<Listener> {
  return createListener({
    host: config.monitor!.ip,
    port: config.monitor!.port,
    socket: config.socket,
    logger: nullLogger,
    async onConnection(conn) {
      for await (const line of conn) {
        if (line === 'quit') break;
        await conn.writeLine(line === 'ping' ? texts.pingOk() : `ERROR: Invalid command '${line}'`);
      }
      await conn.close();
    },
  });
}

export function rmDir(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
