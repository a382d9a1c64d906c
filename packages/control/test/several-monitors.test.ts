// The BUILT mmm_control against several FAKE monitors (monitor HA): real mutual-TLS listeners on
// 127.0.0.1 with test certificates, one a follower that refuses state changes naming the leader,
// one the leader, and one address where nothing listens (connections refused). Asserts which
// monitor got each command, the output and the exit status. Build first: npx tsc --build.
import { expect } from 'chai';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import { texts } from '@mmm/common';
import { FakeMonitor, clusterDoc } from './fake-monitor';
import { HOST, makePki, runCli, writeClientConfig, writeClientFiles, writeTlsConf, type ClientFiles, type Pki } from './helpers';

/** A port on 127.0.0.1 where nothing listens (bound, then closed). */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, HOST, r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('mmm_control with several monitors (fake mutual-TLS monitors on 127.0.0.1)', function () {
  this.timeout(60_000);
  let pki: Pki;
  let files: ClientFiles;
  let tlsConf: string;
  let leader: FakeMonitor;
  let follower: FakeMonitor;
  let follower2: FakeMonitor;
  let dead: number;
  const at = (port: number) => `${HOST}:${port}`;
  const OFFLINE_OK = "OK: State of 'db3' changed to ADMIN_OFFLINE. Now you can wait some time and check all roles!";

  before(async () => {
    pki = await makePki();
    files = await writeClientFiles(pki);
    tlsConf = await writeTlsConf(files);
    leader = await FakeMonitor.start({ pair: pki.monitor, clientCa: pki.ca, moveRunningPolls: 1 });
    follower = await FakeMonitor.start({ pair: pki.monitor, clientCa: pki.ca });
    follower2 = await FakeMonitor.start({ pair: pki.monitor, clientCa: pki.ca });
    dead = await deadPort();
  });
  after(async () => {
    for (const m of [leader, follower, follower2]) await m?.stop();
    if (files) await fs.rm(files.dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    for (const m of [leader, follower, follower2]) {
      m.doc = clusterDoc();
      m.lines.length = 0;
    }
    follower.follower = { self: 'mon2', leader: { monitor: 'mon1', control: at(leader.port), term: 7 } };
    follower2.follower = { self: 'mon3', why: 'no leader key in etcd' };
  });

  const env = () => ({ MMM_TLSCONF_PATH: tlsConf });
  const cli = (...args: string[]) => runCli(args, { env: env() });

  it('a state change: the dead address is skipped, the follower refuses naming the leader, the leader runs it', async () => {
    const r = await cli('--monitor', `${at(dead)},${at(follower.port)}`, '--monitor', at(leader.port), 'set_offline', 'db3');
    expect(r).to.deep.equal({ stdout: `${OFFLINE_OK}\n`, stderr: '', status: 0 });
    expect(follower.lines).to.deep.equal(['set_offline db3']);
    expect(leader.lines).to.deep.equal(['set_offline db3']);
    expect(leader.doc.hosts.find((h) => h.name === 'db3')?.state).to.equal('ADMIN_OFFLINE');
    expect(follower.doc.hosts.find((h) => h.name === 'db3')?.state).to.equal('ONLINE');
  });

  it('the leader named by the refusal is tried even when it is not in the list', async () => {
    const r = await cli('--monitor', at(follower.port), 'set_offline', 'db3');
    expect([r.stdout, r.status]).to.deep.equal([`${OFFLINE_OK}\n`, 0]);
    expect([follower.lines, leader.lines]).to.deep.equal([['set_offline db3'], ['set_offline db3']]);
  });

  it('reading commands go to the first monitor that answers, a follower too (show: both its exchanges)', async () => {
    const r = await cli('--monitor', `${at(dead)},${at(follower.port)},${at(leader.port)}`, 'show');
    expect(r.status).to.equal(0);
    expect(r.stdout).to.include('db1(10.77.0.11) master/ONLINE');
    expect(follower.lines).to.deep.equal(['show', 'status_json']);
    expect(leader.lines).to.deep.equal([]);
  });

  it('move_role: sent to the leader through the follower, and its move followed on the leader', async () => {
    const r = await cli('--monitor', `${at(follower.port)},${at(dead)}`, 'move_role', 'writer', 'db2');
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^OK: Role 'writer' has been moved from 'db1' to 'db2'/);
    expect(r.stdout).to.include('# Last move: role writer from db1 to db2');
    expect(follower.lines).to.deep.equal(['move_role writer db2']);
    expect(leader.lines[0]).to.equal('move_role writer db2');
    const polls = leader.lines.slice(1);
    expect(polls).to.not.be.empty;
    expect(polls.every((x) => x === 'status_json'), polls.join(',')).to.equal(true);
  });

  it('no monitor leads: every answering monitor refuses; the last refusal is printed, exit 1 (an ERROR reply)', async () => {
    follower.follower = { self: 'mon2', why: 'no leader key in etcd' };
    const r = await cli('--monitor', `${at(follower.port)},${at(dead)},${at(follower2.port)}`, 'set_active');
    expect(r).to.deep.equal({ stdout: `${texts.notLeader('mon3', undefined, 'no leader key in etcd')}\n`, stderr: '', status: 1 });
    expect([follower.lines, follower2.lines, leader.lines]).to.deep.equal([['set_active'], ['set_active'], []]);
  });

  it('the refusal names a leader that cannot be reached: the remaining addresses in order', async () => {
    follower.follower = { self: 'mon2', leader: { monitor: 'mon1', control: at(dead), term: 8 } };
    const r = await cli('--monitor', `${at(follower.port)},${at(leader.port)}`, 'set_offline', 'db3');
    expect([r.stdout, r.stderr, r.status]).to.deep.equal([`${OFFLINE_OK}\n`, '', 0]);
    expect([follower.lines, leader.lines]).to.deep.equal([['set_offline db3'], ['set_offline db3']]);
  });

  it('no address reached: MMM\'s line, a "# " line per address and why, a one-line note on stderr, exit 3', async () => {
    const dead2 = await deadPort();
    const r = await cli('--monitor', `${at(dead)},${at(dead2)}`, 'ping');
    expect(r.status).to.equal(3);
    const lines = r.stdout.split('\n');
    expect(lines[0]).to.equal(texts.cantConnect());
    expect(lines[1]).to.match(new RegExp(`^# ${at(dead)}: connection refused: .*ECONNREFUSED`));
    expect(lines[2]).to.match(new RegExp(`^# ${at(dead2)}: connection refused: .*ECONNREFUSED`));
    expect(lines.slice(3)).to.deep.equal(['']);
    expect(r.stderr).to.equal(`mmm_control: none of the 2 monitor addresses answered (${at(dead)}, ${at(dead2)})\n`);
    const j = await cli('--json', '--monitor', `${at(dead)},${at(dead2)}`, 'ping');
    const doc = JSON.parse(j.stdout) as { ok: boolean; failures: { address: string; reason: string }[] };
    expect([j.status, doc.ok, doc.failures.map((f) => f.address)]).to.deep.equal([3, false, [at(dead), at(dead2)]]);
  });

  it('MMM_MONITOR takes a list too', async () => {
    const r = await runCli(['set_offline', 'db3'], { env: { ...env(), MMM_MONITOR: `${at(dead)}, ${at(follower.port)}` } });
    expect([r.stdout, r.status]).to.deep.equal([`${OFFLINE_OK}\n`, 0]);
    expect(leader.lines).to.deep.equal(['set_offline db3']);
  });

  it('the config: <monitor> ip/port first, then monitor_addresses', async () => {
    const conf = await writeClientConfig(files, dead, 'several.conf');
    const text = (await fs.readFile(conf, 'utf8')).replace('</monitor>', `    monitor_addresses ${at(follower2.port)}, ${at(leader.port)}\n</monitor>`);
    await fs.writeFile(conf, text, { mode: 0o600 });
    const r = await runCli(['-c', conf, 'set_offline', 'db3']);
    expect([r.stdout, r.status]).to.deep.equal([`${OFFLINE_OK}\n`, 0]);
    expect([follower2.lines, leader.lines]).to.deep.equal([['set_offline db3'], ['set_offline db3']]);
    const ro = await runCli(['-c', conf, 'mode']);
    expect([ro.stdout, ro.status]).to.deep.equal(['ACTIVE\n', 0]);
    expect(follower2.lines).to.deep.equal(['set_offline db3', 'mode']);
  });
});
