// ping check, one-shot mode (`ping -c 1` per check: the fallback of the long-running pingers,
// see ping-pinger.test.ts). Only loopback is ever pinged; failures come from stand-in ping
// programs and invalid input, so no packet leaves the machine.
import { expect } from 'chai';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePingCheck, pingArgs } from '../../src/checks';
import { checkConfig, hostConfig } from './fixtures';

describe('ping check (one-shot)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mmm-ping-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function script(name: string, body: string): Promise<string> {
    const p = join(dir, name);
    await writeFile(p, `#!/bin/sh\n${body}\n`);
    await chmod(p, 0o755);
    return p;
  }

  it('builds iputils arguments with the timeout as -W and numeric output', () => {
    expect(pingArgs('10.0.0.1', 0.5)).to.deep.equal(['-c', '1', '-W', '0.5', '-n', '10.0.0.1']);
  });

  it('127.0.0.1 answers: OK', async function () {
    const r = await makePingCheck({ persistentPing: false })(hostConfig({ ip: '127.0.0.1' }), checkConfig('ping', { timeout: 1 }));
    if (r.status === 'UNKNOWN') {
      console.log(`    skipped: ${r.message}`);
      this.skip();
    }
    expect(r).to.deep.equal({ status: 'OK', message: 'OK' });
  });

  it('an address that is not a literal IP: ERROR, and ping is never run (no DNS lookup)', async () => {
    const marker = join(dir, 'ran');
    const bin = await script('record', `touch ${marker}`);
    for (const ip of ['999.1.1.1', 'db1.example.invalid', '', '127.0.0.1; true']) {
      const r = await makePingCheck({ pingBin: bin, persistentPing: false })(hostConfig({ ip }), checkConfig('ping'));
      expect(r.status).to.equal('ERROR');
      expect(r.message).to.match(/^ERROR: Invalid IP address/);
    }
    const { existsSync } = await import('node:fs');
    expect(existsSync(marker)).to.equal(false);
  });

  it('no reply (ping exits 1): ERROR Could not ping', async () => {
    const bin = await script('noreply', 'exit 1');
    const r = await makePingCheck({ pingBin: bin, persistentPing: false })(hostConfig({ ip: '127.0.0.1' }), checkConfig('ping'));
    expect(r).to.deep.equal({ status: 'ERROR', message: 'ERROR: Could not ping 127.0.0.1' });
  });

  it('ping fails otherwise (exit 2): ERROR with its stderr', async () => {
    const bin = await script('fail', 'echo "ping: boom" >&2; exit 2');
    const r = await makePingCheck({ pingBin: bin, persistentPing: false })(hostConfig({ ip: '127.0.0.1' }), checkConfig('ping'));
    expect(r.status).to.equal('ERROR');
    expect(r.message).to.contain('ping: boom');
  });

  it('a ping that hangs is killed at the timeout: ERROR', async () => {
    const bin = await script('hang', 'exec sleep 30');
    const t0 = Date.now();
    const r = await makePingCheck({ pingBin: bin, persistentPing: false })(hostConfig({ ip: '127.0.0.1' }), checkConfig('ping', { timeout: 0.2 }));
    expect(Date.now() - t0).to.be.below(200 + 500);
    expect(r.status).to.equal('ERROR');
  });

  it('no ping program: UNKNOWN (says nothing about the host)', async () => {
    const r = await makePingCheck({ pingBin: join(dir, 'missing'), persistentPing: false })(hostConfig(), checkConfig('ping'));
    expect(r.status).to.equal('UNKNOWN');
    expect(r.message).to.match(/not found/);
  });
});
