// cert_expiry_warn_days in `show` and status_json: the monitor's own certificate and the CA (at
// start, on SIGHUP reload, periodically) and each agent's certificate as seen on the monitor's
// connection to it. Unit tests of the watch with a fake clock, then a whole MonitorDaemon over
// real mutual TLS: fake agents on the real listener, `show` and status_json on the control port.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import {
  type CertKeyPair,
  type Listener,
  type MmmConfig,
  type PeerConnection,
  type SocketConfig,
  type TlsMaterial,
  createCa,
  createListener,
  describeCert,
  issueCert,
  nullLogger,
} from '@mmm/common';
import { MemoryLogger } from '@mmm/common/testing';
import { MonitorDaemon } from '../../src/daemon';
import { CertExpiryWatch } from '../../src/tls-watch/cert-expiry';
import type { CheckFunctions } from '../../src/checks';
import { makeConfig } from '../fixtures';

const DAY = 86_400_000;

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('certificate expiry warnings (cert_expiry_warn_days)', function () {
  this.timeout(60_000);
  let ca: CertKeyPair;
  let shortCa: CertKeyPair;

  before(async () => {
    ca = await createCa({ commonName: 'mmm test CA' });
    shortCa = await createCa({ commonName: 'short CA', days: 10 });
  });

  describe('CertExpiryWatch', () => {
    let now: number;
    let warnings: Map<string, string>;
    let log: MemoryLogger;
    let watch: CertExpiryWatch;
    beforeEach(() => {
      now = Date.now();
      warnings = new Map();
      log = new MemoryLogger();
      watch = new CertExpiryWatch({ warnDays: 30, warnings, logger: log, clock: { now: () => now } });
    });

    it('warns for an own certificate and a CA inside the window, not for fresh ones', async () => {
      const own = await issueCert({ ca, commonName: 'monitor', usage: 'both', days: 10 });
      watch.setMaterial({ cert: own.certPem, key: own.keyPem, ca: ca.certPem });
      expect([...warnings.keys()]).to.deep.equal(['cert:own']);
      expect(warnings.get('cert:own')).to.match(/^own certificate CN=monitor expires in (9|10) days \(/);
      expect(log.messages('warn')).to.have.length(1);

      const fresh = await issueCert({ ca: shortCa, commonName: 'monitor', usage: 'both', days: 5 });
      watch.setMaterial({ cert: fresh.certPem, key: fresh.keyPem, ca: `${ca.certPem}\n${shortCa.certPem}` });
      expect(warnings.get('cert:ca')).to.match(/^ca certificate CN=short CA expires in (9|10) days/);
      expect(warnings.get('cert:own')).to.match(/^own certificate CN=monitor expires in (4|5) days/);

      const good = await issueCert({ ca, commonName: 'monitor', usage: 'both', days: 365 });
      watch.setMaterial({ cert: good.certPem, key: good.keyPem, ca: ca.certPem });
      expect(warnings.size).to.equal(0);
      expect(log.messages('info').filter((m) => /certificate warning cleared/.test(m))).to.have.length(2);
    });

    it('warns for a separate client certificate, and for socket_type plain clears everything', async () => {
      const own = await issueCert({ ca, commonName: 'monitor', usage: 'both', days: 365 });
      const client = await issueCert({ ca, commonName: 'monitor-client', usage: 'client', days: 3 });
      watch.setMaterial({ cert: own.certPem, key: own.keyPem, ca: ca.certPem, clientCert: client.certPem, clientKey: client.keyPem });
      expect([...warnings.keys()]).to.deep.equal(['cert:client']);
      expect(warnings.get('cert:client')).to.match(/^client own certificate CN=monitor-client expires in (2|3) days/);
      watch.setMaterial(undefined);
      expect(warnings.size).to.equal(0);
    });

    it('re-evaluates periodically: a certificate entering the window, then expiring, is warned about (logged once per state)', async () => {
      const own = await issueCert({ ca, commonName: 'monitor', usage: 'both', days: 40 });
      watch.setMaterial({ cert: own.certPem, key: own.keyPem, ca: ca.certPem });
      expect(warnings.size).to.equal(0);
      now += 15 * DAY;
      watch.evaluate();
      expect(warnings.get('cert:own')).to.match(/expires in (24|25) days/);
      now += DAY;
      watch.evaluate();
      expect(warnings.get('cert:own')).to.match(/expires in (23|24) days/);
      expect(log.messages('warn')).to.have.length(1); // the count of days changes, the state does not
      now += 30 * DAY;
      watch.evaluate();
      expect(warnings.get('cert:own')).to.match(/^own certificate CN=monitor expired on /);
      expect(log.messages('warn')).to.have.length(2);
    });

    it("warns per agent for its certificate as seen on the connection, clears when a fresh one is seen", async () => {
      const short = await issueCert({ ca, commonName: 'db1', ips: ['127.0.0.1'], usage: 'both', role: 'agent', days: 10 });
      const fresh = await issueCert({ ca, commonName: 'db1', ips: ['127.0.0.1'], usage: 'both', role: 'agent', days: 365 });
      const long = await issueCert({ ca, commonName: 'db2', usage: 'both', role: 'agent', days: 100 });
      watch.notePeer('db1', describeCert(short.certPem, now));
      watch.notePeer('db2', describeCert(long.certPem, now));
      expect([...warnings.keys()]).to.deep.equal(['cert:agent:db1']);
      expect(warnings.get('cert:agent:db1')).to.match(/^agent db1: certificate CN=db1 expires in (9|10) days \(\d{4}-/);
      now += 75 * DAY; // db2 enters the window without a new connection: the periodic check sees it
      watch.evaluate();
      expect(warnings.get('cert:agent:db1')).to.match(/^agent db1: certificate CN=db1 expired on /);
      expect(warnings.get('cert:agent:db2')).to.match(/^agent db2: certificate CN=db2 expires in (24|25) days/);
      now = Date.now();
      watch.notePeer('db1', describeCert(fresh.certPem, now));
      watch.notePeer('db2', undefined); // a plain connection: nothing to say about a certificate
      expect(warnings.size).to.equal(0);
    });
  });

  describe('mmmd_mon over mutual TLS', () => {
    let dir: string;
    let monShort: CertKeyPair;
    let monFresh: CertKeyPair;
    let db1Short: CertKeyPair;
    let db1Fresh: CertKeyPair;
    let db2Pair: CertKeyPair;
    let control: CertKeyPair;
    const agents: Record<string, Listener> = {};
    let daemon: MonitorDaemon | undefined;
    let log: MemoryLogger;

    const socket = (over: Partial<SocketConfig> = {}): SocketConfig => ({
      type: 'ssl',
      verifyMode: 1,
      tlsMinVersion: 'TLSv1.2',
      tlsListen: 'tls',
      tlsConnect: 'enforce',
      certExpiryWarnDays: 30,
      peerRoles: [],
      ...over,
    });
    const mat = (p: CertKeyPair): TlsMaterial => ({ cert: p.certPem, key: p.keyPem, ca: ca.certPem });
    const writePair = (name: string, p: CertKeyPair): void => {
      fs.writeFileSync(path.join(dir, `${name}.crt`), p.certPem);
      fs.writeFileSync(path.join(dir, `${name}.key`), p.keyPem, { mode: 0o600 });
    };

    async function fakeAgent(p: CertKeyPair): Promise<Listener> {
      return createListener({
        host: '127.0.0.1',
        port: 0,
        socket: socket(),
        material: mat(p),
        logger: nullLogger,
        onConnection: async (c: PeerConnection) => {
          for await (const line of c) {
            await c.writeLine(line.startsWith('PING|') ? 'OK: Pinged!|UP:12.50' : 'ERROR: Invalid command!|UP:12.50');
          }
        },
      });
    }

    /** `cmd` on the control port over mutual TLS with the control certificate; replies have no terminator. */
    function controlCommand(port: number, cmd: string): Promise<string> {
      return new Promise((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port, ca: ca.certPem, cert: control.certPem, key: control.keyPem, ALPNProtocols: ['mmm/1'] });
        let buf = '';
        const t = setTimeout(() => {
          s.destroy();
          reject(new Error('no close within 10 s'));
        }, 10_000);
        s.on('secureConnect', () => s.write(`${cmd}\nquit\n`));
        s.on('data', (d: Buffer) => (buf += d.toString('utf8')));
        s.on('error', reject);
        s.on('close', () => {
          clearTimeout(t);
          resolve(buf);
        });
      });
    }

    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmm-cert-expiry-'));
      monShort = await issueCert({ ca, commonName: 'monitor', ips: ['127.0.0.1'], usage: 'both', role: 'monitor', days: 10 });
      monFresh = await issueCert({ ca, commonName: 'monitor', ips: ['127.0.0.1'], usage: 'both', role: 'monitor', days: 365 });
      db1Short = await issueCert({ ca, commonName: 'db1', ips: ['127.0.0.1'], usage: 'both', role: 'agent', days: 10 });
      db1Fresh = await issueCert({ ca, commonName: 'db1', ips: ['127.0.0.1'], usage: 'both', role: 'agent', days: 365 });
      db2Pair = await issueCert({ ca, commonName: 'db2', ips: ['127.0.0.1'], usage: 'both', role: 'agent', days: 365 });
      control = await issueCert({ ca, commonName: 'ops', usage: 'client', role: 'control', days: 365 });
      fs.writeFileSync(path.join(dir, 'ca.crt'), ca.certPem);
      writePair('monitor', monShort);
      agents.db1 = await fakeAgent(db1Short);
      agents.db2 = await fakeAgent(db2Pair);
    });
    after(async () => {
      await daemon?.stop();
      for (const l of Object.values(agents)) await l.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    function config(): MmmConfig {
      const base = makeConfig({}, { ip: '127.0.0.1', port: 0, pingIps: ['127.0.0.1'], carefulStartup: false });
      const host = (name: 'db1' | 'db2', peer: string) => ({ ...base.hosts[name]!, ip: '127.0.0.1', peer, agentPort: agents[name]!.port });
      return {
        ...base,
        hosts: { db1: host('db1', 'db2'), db2: host('db2', 'db1') },
        roles: {
          writer: { name: 'writer', mode: 'exclusive', hosts: ['db1', 'db2'], ips: ['127.0.1.100'], prefer: 'db1' },
          reader: { name: 'reader', mode: 'balanced', hosts: ['db1', 'db2'], ips: ['127.0.1.101', '127.0.1.102'] },
        },
        socket: socket({
          certFile: path.join(dir, 'monitor.crt'),
          keyFile: path.join(dir, 'monitor.key'),
          caFile: path.join(dir, 'ca.crt'),
        }),
      };
    }

    const okCheck = async () => ({ status: 'OK' as const, message: 'OK' });
    const checkFns: CheckFunctions = { ping: okCheck, mysql: okCheck, rep_threads: okCheck, rep_backlog: okCheck };

    it('show and status_json carry the own and the agent certificate warnings from the start; reload and a fresh agent certificate clear them', async () => {
      log = new MemoryLogger();
      daemon = new MonitorDaemon({ config: config(), logger: log, auditFile: null, checkFns, passIntervalMs: 100 });
      await daemon.start();
      const port = daemon.controlAddress!.port;
      const warnings = daemon.monitor.warnings;
      // startup asked every agent: db1's certificate was seen on that connection
      expect(warnings.get('cert:agent:db1')).to.match(/^agent db1: certificate CN=db1 expires in (9|10) days/);
      expect(warnings.has('cert:agent:db2')).to.equal(false);
      expect(warnings.get('cert:own')).to.match(/^own certificate CN=monitor expires in (9|10) days/);
      expect(warnings.has('cert:ca')).to.equal(false);

      const show = await controlCommand(port, 'show');
      expect(show).to.match(/^# Warning: own certificate CN=monitor expires in (9|10) days \(.*\)$/m);
      expect(show).to.match(/^# Warning: agent db1: certificate CN=db1 expires in (9|10) days \(.*\)$/m);
      expect(show).not.to.match(/db2: certificate/);
      const doc = JSON.parse(await controlCommand(port, 'status_json')) as { warnings: string[] };
      expect(doc.warnings.filter((w) => /certificate CN=/.test(w)).map((w) => w.replace(/\d+ days.*/, 'N days')).sort()).to.deep.equal([
        'agent db1: certificate CN=db1 expires in N days',
        'own certificate CN=monitor expires in N days',
      ]);
      expect(log.messages('warn').some((m) => /^own certificate CN=monitor expires in/.test(m))).to.equal(true);

      // SIGHUP with a renewed monitor certificate: the own warning goes
      writePair('monitor', monFresh);
      await daemon.reloadTls();
      expect(warnings.has('cert:own')).to.equal(false);

      // db1 renewed too: the monitor's next connection sees the fresh certificate (reload dropped
      // the kept connections) and the warning goes
      await agents.db1!.reload(mat(db1Fresh));
      daemon.monitor.agents.resetConnections();
      await waitFor(() => !warnings.has('cert:agent:db1'), 10_000, 'cert:agent:db1 cleared');
      const after = await controlCommand(port, 'show');
      expect(after).not.to.match(/certificate CN=/);
      expect(log.messages('info').filter((m) => /certificate warning cleared/.test(m))).to.have.length(2);
    });

    it('a refused reload keeps the warnings of the certificate still in use', async () => {
      writePair('monitor', monShort);
      await daemon!.reloadTls();
      expect(daemon!.monitor.warnings.get('cert:own')).to.match(/expires in (9|10) days/);
      fs.writeFileSync(path.join(dir, 'monitor.key'), 'garbage', { mode: 0o600 });
      await daemon!.reloadTls().then(
        () => expect.fail('reload with a broken key must fail'),
        () => undefined,
      );
      const show = await controlCommand(daemon!.controlAddress!.port, 'show');
      expect(show).to.match(/^# Warning: TLS reload refused, keeping the previous certificates: /m);
      expect(show).to.match(/^# Warning: own certificate CN=monitor expires in (9|10) days/m);
    });
  });
});
