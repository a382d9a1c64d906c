// The monitor's HTTPS API on a running sandbox (the BUILT mmm_sandbox, mmmd_mon and agents, real
// MariaDB, the sandbox's certificates, mutual TLS): who may do what. No client certificate and a
// certificate from another CA are refused in the handshake; viewer reads (cluster, history,
// leader, page) and gets 403 for a change, with nothing changed; control changes (set_offline /
// set_online through the API), visible in /api/v1/cluster and /api/v1/history; bad input gets
// 400 / 404 / 415 and changes nothing.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createCa, issueCert } from '@mmm/common';
import { processAlive, stopDbCluster } from '../../packages/sandbox/src';
import { SANDBOX_BIN, log, runNode, until } from '../e2e/lib/cluster';

interface Reply {
  status: number;
  type: string;
  body: string;
}
interface Client {
  cert: string | Buffer;
  key: string | Buffer;
}

describe('monitor HTTPS API on a sandbox: certificates, roles, changes, bad input', function () {
  this.timeout(180_000);
  let dir = '';
  let host = '';
  let port = 0;
  let ca: Buffer;
  let viewer: Client;
  let control: Client;
  const pids: number[] = [];

  const call = (who: Client | undefined, method: string, path: string, body?: string, type = 'application/json'): Promise<Reply> =>
    new Promise((res, rej) => {
      const req = https.request(
        {
          host, port, method, path, ca, ...(who ?? {}), timeout: 10_000, servername: undefined,
          headers: body !== undefined ? { 'content-type': type, 'content-length': Buffer.byteLength(body) } : {},
        },
        (r) => {
          let b = '';
          r.on('data', (d: Buffer) => (b += d.toString()));
          r.on('end', () => res({ status: r.statusCode ?? 0, type: String(r.headers['content-type'] ?? ''), body: b }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', rej);
      req.end(body);
    });
  const cluster = async (): Promise<{ hosts: Array<{ name: string; state: string }> }> => JSON.parse((await call(viewer, 'GET', '/api/v1/cluster')).body);
  const stateOf = async (h: string): Promise<string | undefined> => (await cluster()).hosts.find((x) => x.name === h)?.state;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mmm-api-'));
    rmSync(dir, { recursive: true, force: true }); // up creates it
    const up = await runNode(SANDBOX_BIN, ['up', '--dir', dir], 150_000);
    if (up.code !== 0) throw new Error(`mmm_sandbox up exited ${up.code}:\n${up.stderr}`);
    const st = JSON.parse((await runNode(SANDBOX_BIN, ['status', '--json', '--dir', dir], 30_000)).stdout) as {
      monitor: { pid: number | null; http: string | null };
      nodes: Array<{ mariadbd_pid: number | null; agent_pid: number | null }>;
      certs: { ca: string; control_cert: string; control_key: string; viewer_cert: string | null; viewer_key: string | null };
    };
    pids.push(...[st.monitor.pid, ...st.nodes.flatMap((n) => [n.mariadbd_pid, n.agent_pid])].filter((p): p is number => !!p));
    const m = /^(.+):(\d+)$/.exec(st.monitor.http ?? '');
    if (!m || !st.certs.viewer_cert || !st.certs.viewer_key) throw new Error(`status --json lacks monitor.http or the viewer certificate: ${JSON.stringify(st)}`);
    [host, port] = [m[1]!, Number(m[2])];
    ca = readFileSync(st.certs.ca);
    viewer = { cert: readFileSync(st.certs.viewer_cert), key: readFileSync(st.certs.viewer_key) };
    control = { cert: readFileSync(st.certs.control_cert), key: readFileSync(st.certs.control_key) };
    log(`sandbox up, API on ${host}:${port}`);
  });

  after(async function () {
    this.timeout(120_000);
    if (!dir) return;
    const r = await runNode(SANDBOX_BIN, ['down', '--dir', dir], 90_000);
    if (r.code !== 0) await stopDbCluster(dir).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    expect(pids.filter((p) => processAlive(p)), 'no sandbox process left').to.deep.equal([]);
  });

  it('no client certificate, and a certificate from another CA (role control), are refused in the handshake', async () => {
    const none = await call(undefined, 'GET', '/api/v1/cluster').then(() => 'answered', (e: Error) => e.message);
    expect(none).to.not.equal('answered');
    const rogueCa = await createCa({ commonName: 'rogue CA', days: 2 });
    const rogue = await issueCert({ ca: rogueCa, commonName: 'control', role: 'control', usage: 'client', days: 2 });
    const r = await call({ cert: rogue.certPem, key: rogue.keyPem }, 'POST', '/api/v1/hosts/db3/offline').then(() => 'answered', (e: Error) => e.message);
    expect(r).to.not.equal('answered');
    expect(await stateOf('db3')).to.equal('ONLINE');
  });

  it('viewer reads the cluster, history, leader and the page; a change is 403 and changes nothing', async () => {
    const c = await call(viewer, 'GET', '/api/v1/cluster');
    expect(c.status).to.equal(200);
    expect(c.type).to.match(/application\/json/);
    expect(JSON.parse(c.body).hosts.map((h: { name: string }) => h.name)).to.deep.equal(['db1', 'db2', 'db3']);
    expect((await call(viewer, 'GET', '/api/v1/leader')).status).to.equal(200);
    expect(JSON.parse((await call(viewer, 'GET', '/api/v1/history?limit=5')).body).entries).to.be.an('array');
    const page = await call(viewer, 'GET', '/');
    expect([page.status, page.type]).to.satisfy(([s, t]: [number, string]) => s === 200 && t.startsWith('text/html'));
    expect(page.body).to.include('id="hosts"');
    const no = await call(viewer, 'POST', '/api/v1/hosts/db3/offline');
    expect(no.status).to.equal(403);
    expect(JSON.parse(no.body).ok).to.equal(false);
    expect(await stateOf('db3')).to.equal('ONLINE');
  });

  it('control: offline then online through the API, seen in the cluster document and the history', async () => {
    const off = await call(control, 'POST', '/api/v1/hosts/db3/offline');
    expect(off.status, off.body).to.equal(200);
    expect(JSON.parse(off.body).message).to.equal("OK: State of 'db3' changed to ADMIN_OFFLINE. Now you can wait some time and check all roles!");
    expect(await stateOf('db3')).to.equal('ADMIN_OFFLINE');
    const again = await call(control, 'POST', '/api/v1/hosts/db3/offline');
    expect(again.status, again.body).to.be.oneOf([200, 409]); // MMM answers "already offline" as OK
    const hist = JSON.parse((await call(viewer, 'GET', '/api/v1/history?limit=20')).body) as { entries: Array<{ host: string | null; reason: string }> };
    expect(hist.entries.some((e) => e.host === 'db3' && /ADMIN_OFFLINE/.test(e.reason)), JSON.stringify(hist.entries.slice(0, 5))).to.equal(true);
    const on = await call(control, 'POST', '/api/v1/hosts/db3/online');
    expect(on.status, on.body).to.equal(200);
    await until('db3 ONLINE again', async () => (await stateOf('db3')) === 'ONLINE', 30_000, 200);
  });

  it('bad input: unknown host 404, malformed JSON 400, not JSON 415, unknown path 404, wrong method 405 — nothing changed', async () => {
    expect((await call(control, 'POST', '/api/v1/hosts/db9/offline')).status).to.equal(404);
    expect((await call(control, 'POST', '/api/v1/roles/writer/move', '{bad')).status).to.equal(400);
    expect((await call(control, 'POST', '/api/v1/roles/writer/move', 'host=db2', 'application/x-www-form-urlencoded')).status).to.equal(415);
    expect((await call(control, 'PUT', '/api/v1/mode', '{"mode":"sometimes"}')).status).to.equal(400);
    expect((await call(viewer, 'GET', '/api/v1/nothing')).status).to.equal(404);
    expect((await call(viewer, 'DELETE', '/api/v1/cluster')).status).to.equal(405);
    const doc = JSON.parse((await call(viewer, 'GET', '/api/v1/cluster')).body) as { mode: string; roles: Array<{ activeMaster?: boolean; ips: Array<{ assignedTo: string }> }> };
    expect(doc.mode).to.equal('ACTIVE');
    expect(doc.roles.find((r) => r.activeMaster)?.ips[0]?.assignedTo).to.equal('db1');
  });
});
