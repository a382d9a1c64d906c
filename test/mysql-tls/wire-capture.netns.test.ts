// What an observer on the sandbox's network sees of the MySQL links (issue 15, finding 2). A real
// `mmm_sandbox up --netns` cluster; tcpdump inside the switch namespace on every interface of it
// (br0 and the veths of the nodes and of the monitor) while a unique marker row is written on the
// writer (over its unix socket, so only replication can carry it) and the monitor's checks run.
// With MySQL TLS (the default) neither the marker nor the monitor's SHOW SLAVE STATUS is in the
// capture, and TLS records to port 3306 are; in the control run (`up --no-mysql-tls`) both are.
// In neither does the agents' SHOW ALL SLAVES STATUS cross the network (they use the socket).
// Root only (network namespaces, tcpdump); elsewhere the suite is skipped with the reason printed.
import { expect } from 'chai';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type SandboxStatus, TEST_SCHEMA, netnsSupport, processAlive, query, sandboxNames, stopDbCluster, stopPid, waitFor,
} from '../../packages/sandbox/src';

const ROOT = resolve(__dirname, '../..');
const SANDBOX_BIN = join(ROOT, 'packages/sandbox/bin/mmm_sandbox.js');
const log = (l: string): void => console.log(`      ${l}`);

function runNode(script: string, args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [script, ...args], { timeout: timeoutMs, maxBuffer: 8 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 99) : 0;
      res({ code, stdout, stderr });
    });
  });
}

/** tcpdump, or why it cannot run. */
function tcpdumpPath(): string | undefined {
  return ['/usr/bin/tcpdump', '/usr/sbin/tcpdump', '/bin/tcpdump', '/sbin/tcpdump'].find((p) => existsSync(p));
}

interface Capture {
  file: string;
  proc: ChildProcess;
  stop(): Promise<Buffer>;
}

/** tcpdump -i any in `ns` (every interface of the switch namespace), packets written as they come. */
async function startCapture(tcpdump: string, ns: string, file: string): Promise<Capture> {
  const proc = spawn('ip', ['netns', 'exec', ns, tcpdump, '-i', 'any', '-U', '-s', '0', '-n', '-w', file, 'tcp'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  await waitFor('tcpdump listening', async () => {
    if (proc.exitCode !== null) throw new Error(`tcpdump exited ${proc.exitCode}: ${err}`);
    return /listening on/.test(err);
  }, { timeoutMs: 10_000, intervalMs: 50 });
  return {
    file,
    proc,
    async stop() {
      if (proc.pid !== undefined && processAlive(proc.pid)) {
        proc.kill('SIGINT'); // tcpdump flushes and exits on SIGINT
        const gone = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5_000))]);
        if (!gone) await stopPid(proc.pid, { graceMs: 1_000 });
      }
      return readFileSync(file);
    },
  };
}

interface Segment {
  srcPort: number;
  dstPort: number;
  payload: Buffer;
}

/** The TCP payloads of a pcap file (IPv4; link types Linux cooked v1/v2, what `-i any` writes). */
function segments(pcap: Buffer): Segment[] {
  const le = pcap.readUInt32LE(0) === 0xa1b2c3d4;
  const u32 = (o: number): number => (le ? pcap.readUInt32LE(o) : pcap.readUInt32BE(o));
  const link = u32(20);
  const linkLen = link === 113 ? 16 : link === 276 ? 20 : -1;
  if (linkLen < 0) throw new Error(`unexpected pcap link type ${link}`);
  const out: Segment[] = [];
  for (let o = 24; o + 16 <= pcap.length; ) {
    const incl = u32(o + 8);
    const frame = pcap.subarray(o + 16, o + 16 + incl);
    o += 16 + incl;
    const ip = frame.subarray(linkLen);
    if (ip.length < 20 || ip[0]! >> 4 !== 4 || ip[9] !== 6) continue; // IPv4 TCP only
    const tcp = ip.subarray((ip[0]! & 0x0f) * 4, ip.readUInt16BE(2));
    if (tcp.length < 20) continue;
    out.push({ srcPort: tcp.readUInt16BE(0), dstPort: tcp.readUInt16BE(2), payload: tcp.subarray((tcp[12]! >> 4) * 4) });
  }
  return out;
}

const MYSQL_PORT = 3306;
const onMysql = (s: Segment): boolean => s.srcPort === MYSQL_PORT || s.dstPort === MYSQL_PORT;
/** Is `text` readable in any captured payload (a segment may split it: payloads are joined per direction of each port pair). */
function readable(segs: Segment[], text: string): boolean {
  const flows = new Map<string, Buffer[]>();
  for (const s of segs) {
    const k = `${s.srcPort}>${s.dstPort}`;
    flows.set(k, [...(flows.get(k) ?? []), s.payload]);
  }
  return [...flows.values()].some((parts) => Buffer.concat(parts).includes(Buffer.from(text, 'latin1')));
}

interface Observed {
  marker: boolean;
  slaveStatus: boolean;
  agentStatement: boolean;
  /** Segments to or from port 3306 that start a TLS application-data record (type 23, version 3.3). */
  mysqlTlsRecords: number;
  /** Segments to or from port 3306 with a payload. */
  mysqlSegments: number;
}

/** up → capture → marker write, replicated everywhere → monitor checks → stop capture → down. */
async function observe(tcpdump: string, noMysqlTls: boolean): Promise<Observed> {
  const dir = mkdtempSync(join(tmpdir(), `mmm-wire-${noMysqlTls ? 'clear' : 'tls'}-`));
  rmSync(dir, { recursive: true, force: true }); // up creates it
  const pcapDir = mkdtempSync(join(tmpdir(), 'mmm-wire-pcap-'));
  let capture: Capture | undefined;
  try {
    const t0 = Date.now();
    const up = await runNode(SANDBOX_BIN, ['up', '--netns', '--dir', dir, ...(noMysqlTls ? ['--no-mysql-tls'] : [])], 150_000);
    if (up.code !== 0) throw new Error(`mmm_sandbox up exited ${up.code}:\n${up.stderr}`);
    const st = await runNode(SANDBOX_BIN, ['status', '--json', '--dir', dir], 30_000);
    const s = JSON.parse(st.stdout) as SandboxStatus;
    expect(s.mysql_tls).to.equal(!noMysqlTls);
    log(`sandbox up${noMysqlTls ? ' --no-mysql-tls' : ''} in ${Date.now() - t0} ms`);
    capture = await startCapture(tcpdump, sandboxNames(dir).netns.switchNs, join(pcapDir, 'wire.pcap'));
    const marker = `mmm-wire-marker-${randomBytes(8).toString('hex')}`;
    const [db1, ...others] = s.nodes;
    // the writer, over its socket: the row reaches the other nodes only by replication
    await query(db1!, `INSERT INTO \`${TEST_SCHEMA}\`.t (token, origin) VALUES (?, 'wire')`, [marker]);
    for (const n of others) {
      await waitFor(`marker on ${n.name}`, async () => Number((await query(n, `SELECT COUNT(*) AS c FROM \`${TEST_SCHEMA}\`.t WHERE token = ?`, [marker]))[0]?.c) === 1, { timeoutMs: 15_000, intervalMs: 25 });
    }
    // the monitor's rep_threads/rep_backlog checks run every 0.25/0.5 s: 2 s holds several of each
    // (the control run proves it by finding SHOW SLAVE STATUS in the same window)
    await new Promise((r) => setTimeout(r, 2_000));
    const segs = segments(await capture.stop());
    capture = undefined;
    const mysql = segs.filter((x) => onMysql(x) && x.payload.length > 0);
    return {
      marker: readable(segs, marker),
      slaveStatus: readable(segs, 'SHOW SLAVE STATUS'),
      agentStatement: readable(segs, 'SHOW ALL SLAVES STATUS'),
      mysqlTlsRecords: mysql.filter((x) => x.payload[0] === 0x17 && x.payload[1] === 3 && x.payload[2] === 3).length,
      mysqlSegments: mysql.length,
    };
  } finally {
    await capture?.stop().catch(() => undefined);
    if (existsSync(dir)) {
      const r = await runNode(SANDBOX_BIN, ['down', '--dir', dir], 90_000);
      if (r.code !== 0) log(`down exited ${r.code}: ${r.stderr.trim()}`);
      if (existsSync(join(dir, 'db-cluster.json'))) await stopDbCluster(dir).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
    rmSync(pcapDir, { recursive: true, force: true });
  }
}

describe('the MySQL links on the wire (tcpdump on the sandbox network)', function () {
  this.timeout(400_000);
  let tcpdump = '';

  before(async function () {
    const ns = await netnsSupport();
    const why = ns !== true ? ns : tcpdumpPath() === undefined ? 'tcpdump is not installed (apt-get install tcpdump)' : undefined;
    if (why) {
      console.log(`    skipped: ${why}`);
      return this.skip();
    }
    tcpdump = tcpdumpPath()!;
  });

  it('with MySQL TLS: neither the marker row nor the monitor\'s SHOW SLAVE STATUS is readable; TLS records are there', async () => {
    const o = await observe(tcpdump, false);
    log(`TLS capture: ${o.mysqlSegments} segments on port 3306, ${o.mysqlTlsRecords} of them TLS application data`);
    expect(o.mysqlTlsRecords, 'TLS on the MySQL port').to.be.greaterThan(0);
    expect(o.marker, 'the marker row in clear').to.equal(false);
    expect(o.slaveStatus, "the monitor's SHOW SLAVE STATUS in clear").to.equal(false);
    expect(o.agentStatement, "an agent's statement on the network").to.equal(false);
  });

  it('control, up --no-mysql-tls: the same write and checks are readable in the capture', async () => {
    const o = await observe(tcpdump, true);
    log(`clear capture: ${o.mysqlSegments} segments on port 3306, ${o.mysqlTlsRecords} TLS`);
    expect(o.mysqlTlsRecords, 'no TLS on the MySQL port').to.equal(0);
    expect(o.marker, 'the marker row in clear').to.equal(true);
    expect(o.slaveStatus, "the monitor's SHOW SLAVE STATUS in clear").to.equal(true);
    expect(o.agentStatement, "an agent's statement on the network (they use the socket)").to.equal(false);
  });
});
