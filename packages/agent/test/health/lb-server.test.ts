// The health endpoints on a real agent (fake MySQL and VIPs, real listeners and real TLS with
// certificates made here): HTTPS needs a client certificate from the cluster CA (any role reads,
// none-rights certificates get 403), plain HTTP only on health_http_listen, the verdict follows
// SET_STATUS, HEAD/OPTIONS carry no body, and unknown paths, bad queries and methods are refused.
import { expect } from 'chai';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { createCa, issueCert, parseConfigTextOrThrow, type CertKeyPair } from '@mmm/common';
import { MemoryLogger } from '@mmm/common/testing';
import { Agent } from '../../src/agent';
import { FakeLocalMysql, FakeVipManager } from '../../src/testing';
import { freePort } from '../../../../test/helpers/free-port';

const HOST = '127.0.0.1';

/** Polls until `ok` holds for what `fn` returns (bounded: the health watch runs every 100 ms here). */
async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, boundMs = 5_000): Promise<T> {
  const end = Date.now() + boundMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function conf(agentPort: number, httpsPort: number, httpPort: number): string {
  return [
    'this db1',
    'active_master_role writer',
    'writer_lease 30',
    '<host default>',
    '    cluster_interface eth0',
    '    agent_user mmm_agent',
    '    agent_password pw',
    '</host>',
    '<host db1>',
    `    ip ${HOST}`,
    '    mode master',
    '    peer db2',
    `    agent_port ${agentPort}`,
    `    health_listen ${HOST}:${httpsPort}`,
    `    health_http_listen ${HOST}:${httpPort}`,
    '</host>',
    '<host db2>',
    '    ip 127.0.0.2',
    '    mode master',
    '    peer db1',
    '</host>',
    '<role writer>',
    '    hosts db1, db2',
    '    ips 10.0.0.100',
    '    mode exclusive',
    '</role>',
    '<role reader>',
    '    hosts db1, db2',
    '    ips 10.0.0.101, 10.0.0.102',
    '    mode balanced',
    '</role>',
    '<socket>',
    '    type ssl',
    '    cert_file /nonexistent/db1.crt',
    '    key_file /nonexistent/db1.key',
    '    ca_file /nonexistent/ca.crt',
    '    peer_role monitor monitor',
    '</socket>',
  ].join('\n');
}

interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function collect(res: http.IncomingMessage): Promise<Got> {
  return new Promise((resolve, reject) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => (body += d));
    res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    res.on('error', reject);
  });
}

describe('agent health endpoints (real listeners, real TLS)', function () {
  this.timeout(20_000);
  let ca: CertKeyPair;
  let otherCa: CertKeyPair;
  let viewer: CertKeyPair;
  let stranger: CertKeyPair;
  let foreign: CertKeyPair;
  let agent: Agent;
  let mysql: FakeLocalMysql;
  let httpsPort = 0;
  let httpPort = 0;
  const logger = new MemoryLogger();
  const monitor = { peer: { cn: 'monitor', sans: [], role: 'monitor' as const, plain: false, address: '10.0.0.10:5000' } };

  const get = (path: string, o: { method?: string; cert?: CertKeyPair | null } = {}): Promise<Got> =>
    new Promise((resolve, reject) => {
      const cert = o.cert === undefined ? viewer : o.cert;
      const req = https.request({
        host: HOST, port: httpsPort, path, method: o.method ?? 'GET', ca: ca.certPem, agent: false, servername: undefined,
        ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}),
        timeout: 5_000,
      }, (res) => collect(res).then(resolve, reject));
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.end();
    });
  const getPlain = (path: string, method = 'GET'): Promise<Got> =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: HOST, port: httpPort, path, method, agent: false, timeout: 5_000 }, (res) => collect(res).then(resolve, reject));
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.end();
    });

  before(async () => {
    ca = await createCa({ commonName: 'mmm test CA' });
    otherCa = await createCa({ commonName: 'another CA' });
    const server = await issueCert({ ca, commonName: 'db1', ips: [HOST], usage: 'both', role: 'agent' });
    viewer = await issueCert({ ca, commonName: 'haproxy', usage: 'client', role: 'viewer' });
    // No role URI, and peer_role rules exist that do not name it: no rights at all.
    stranger = await issueCert({ ca, commonName: 'stranger', usage: 'client' });
    foreign = await issueCert({ ca: otherCa, commonName: 'haproxy', usage: 'client', role: 'viewer' });
    const [agentPort, p1, p2] = [await freePort(), await freePort(), await freePort()];
    httpsPort = p1;
    httpPort = p2;
    const { config } = parseConfigTextOrThrow('agent', { '/etc/mmm/mmm_agent.conf': conf(agentPort, httpsPort, httpPort) });
    mysql = new FakeLocalMysql();
    agent = new Agent({
      config, logger, mysql, vips: new FakeVipManager('eth0'), graceMs: 0, healthPeriodMs: 100, probePeer: () => Promise.resolve(true),
      material: { cert: server.certPem, key: server.keyPem, ca: ca.certPem },
    });
    await agent.start();
  });

  after(async () => {
    await agent?.stop();
  });

  it('listens on both addresses', () => {
    expect(agent.healthAddresses).to.deep.equal([`${HOST}:${httpsPort}`, `${HOST}:${httpPort}`]);
  });

  it('HTTPS refuses a client without a certificate and one from another CA', async () => {
    const noCert = await get('/health', { cert: null }).then((g) => `status ${g.status}`, (e: Error) => e.message);
    expect(noCert).not.to.match(/^status/);
    const wrongCa = await get('/health', { cert: foreign }).then((g) => `status ${g.status}`, (e: Error) => e.message);
    expect(wrongCa).not.to.match(/^status/);
  });

  it('any role reads (viewer), a certificate without rights gets 403', async () => {
    const ok = await get('/health');
    expect(ok.status).to.equal(200);
    expect(ok.headers['content-type']).to.equal('application/json');
    expect(JSON.parse(ok.body)).to.include({ host: 'db1', check: 'health', ok: true, mysql: 'answering' });
    const refused = await get('/health', { cert: stranger });
    expect(refused.status).to.equal(403);
    expect(JSON.parse(refused.body).error).to.match(/no rights/);
  });

  it('/writer follows SET_STATUS: 503 before, 200 as writer, 503 once demoted; /reader with the reader role', async () => {
    const before = await get('/writer');
    expect(before.status).to.equal(503);
    expect(JSON.parse(before.body)).to.include({ ok: false, writer: false, state: 'UNKNOWN' });

    const reply = await agent.handleLine('SET_STATUS|1|db1|ONLINE|reader(10.0.0.101),writer(10.0.0.100)|db1', monitor, agent.accepted());
    expect(reply).to.match(/^OK: /);
    const w = await get('/writer');
    expect(w.status, w.body).to.equal(200);
    const body = JSON.parse(w.body) as Record<string, unknown>;
    expect(body).to.include({ ok: true, writer: true, read_only: false, lease: 'held', fenced: false, state: 'ONLINE', lag: 0 });
    expect(body.lease_ms).to.be.a('number').within(1, 30_000);
    expect((await get('/reader?max_lag=0')).status).to.equal(200);
    expect((await getPlain('/writer')).status, 'the same verdict over plain HTTP').to.equal(200);

    expect(await agent.handleLine('SET_STATUS|1|db1|ONLINE|reader(10.0.0.101)|db2', monitor, agent.accepted())).to.match(/^OK: /);
    const demoted = await get('/writer');
    expect(demoted.status).to.equal(503);
    expect(JSON.parse(demoted.body).reason).to.match(/does not hold the writer role/);
  });

  it('/health turns 503 while MySQL does not answer, and 200 again after', async () => {
    mysql.answering = false;
    try {
      const h = await until(() => get('/health'), (g) => g.status !== 200);
      expect(h.status, h.body).to.equal(503);
      expect(JSON.parse(h.body)).to.include({ mysql: 'not answering' });
    } finally {
      mysql.answering = true;
    }
    expect((await until(() => get('/health'), (g) => g.status === 200)).status).to.equal(200);
  });

  it('HEAD and OPTIONS: same status, no body', async () => {
    for (const method of ['HEAD', 'OPTIONS']) {
      const a = await get('/health', { method });
      expect(a.status, method).to.equal(200);
      expect(a.body, method).to.equal('');
      const b = await get('/writer', { method });
      expect(b.status, method).to.equal(503);
      expect(b.body, method).to.equal('');
    }
  });

  it('unknown path 404, bad query 400, other methods 405 with Allow', async () => {
    expect((await get('/primary')).status).to.equal(404);
    const bad = await get('/reader?lag=5');
    expect(bad.status).to.equal(400);
    expect(JSON.parse(bad.body).error).to.match(/unknown query parameter 'lag'/);
    expect((await getPlain('/reader?max_lag=x')).status).to.equal(400);
    const post = await get('/writer', { method: 'POST' });
    expect(post.status).to.equal(405);
    expect(post.headers.allow).to.equal('GET, HEAD, OPTIONS');
  });

  it('the plain port speaks no TLS, and the HTTPS port no plain HTTP', async () => {
    const tlsOnPlain = await new Promise<string>((resolve) => {
      const req = https.request({ host: HOST, port: httpPort, path: '/health', ca: ca.certPem, cert: viewer.certPem, key: viewer.keyPem, agent: false, timeout: 5_000 }, (res) => resolve(`status ${res.statusCode}`));
      req.on('error', (e) => resolve(e.message));
      req.end();
    });
    expect(tlsOnPlain).not.to.match(/^status/);
    const plainOnTls = await new Promise<string>((resolve) => {
      const s = net.connect(httpsPort, HOST, () => s.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n'));
      let got = '';
      s.on('data', (d) => (got += d.toString()));
      s.on('close', () => resolve(got));
      s.on('error', () => undefined);
      s.setTimeout(5_000, () => s.destroy());
    });
    expect(plainOnTls, 'closed without a reply').to.equal('');
  });
});
