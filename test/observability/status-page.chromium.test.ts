// The monitor's status page in a real headless Chromium (issue 17): the browser runs inside the
// sandbox's client namespace (on the sandbox's bridge, no route out) and reaches the monitor's
// HTTPS port on its veth address. Without a client certificate the page does not load; with the
// sandbox's viewer certificate (an NSS database and the auto-select policy, browser.ts) it shows
// every host; after kill -9 of the writer's mariadbd it shows the failover. A screenshot is
// written to MMM_SCREENSHOT_DIR when set (docs/img/status-page.png is one such run).
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { log, startCluster, until, writerOf, type E2eCluster } from '../e2e/lib/cluster';
import { killMariadb } from '../e2e/lib/faults';
import { autoSelectPolicy, browserSupport, load, makeProfile } from './browser';

/** The text of the row of `host` in the page's hosts table (tags stripped), or undefined. */
function hostRow(dom: string, host: string): string | undefined {
  const m = new RegExp(`<tr[^>]*data-host="${host}"[^>]*>([\\s\\S]*?)</tr>`).exec(dom);
  return m ? m[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim() : undefined;
}

describe('status page in headless Chromium (netns sandbox, viewer certificate)', function () {
  this.timeout(240_000);
  let c: E2eCluster | undefined;
  let tmp = '';
  let removePolicy: (() => void) | undefined;
  let url = '';
  let withCert = '';
  let without = '';

  before(async function () {
    const ok = browserSupport();
    if (ok !== true) {
      log(`skipping: ${ok}`);
      this.skip();
    }
    c = await startCluster(this, 'page');
    if (!c) return;
    const st = c.status as typeof c.status & { monitor: { http?: string }; certs: { viewer_cert?: string; viewer_key?: string } };
    if (!st.monitor.http || !st.certs.viewer_cert || !st.certs.viewer_key) throw new Error(`status --json lacks monitor.http or certs.viewer_*: ${JSON.stringify({ monitor: st.monitor, certs: st.certs })}`);
    url = `https://${st.monitor.http}/`;
    tmp = mkdtempSync(join(tmpdir(), 'mmm-page-'));
    withCert = makeProfile(join(tmp, 'viewer'), st.certs.ca, { cert: st.certs.viewer_cert, key: st.certs.viewer_key });
    without = makeProfile(join(tmp, 'nocert'), st.certs.ca);
    removePolicy = autoSelectPolicy(`mmm-test-${process.pid}`, `https://${st.monitor.http}`);
  });

  after(async function () {
    this.timeout(120_000);
    removePolicy?.();
    await c?.teardown();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('without a client certificate the page does not load (the TLS handshake is refused)', async () => {
    const r = await load(c!.clientNs, without, url);
    expect(r.dom, r.stderr).to.not.match(/data-host="db1"/);
  });

  it('with the viewer certificate it renders every host, the writer on db1', async () => {
    const r = await load(c!.clientNs, withCert, url);
    for (const h of ['db1', 'db2', 'db3']) expect(hostRow(r.dom, h), `${h} row in:\n${r.dom.slice(0, 3000)}\n${r.stderr}`).to.match(/ONLINE/);
    expect(hostRow(r.dom, 'db1')).to.match(/writer/);
  });

  it('a failover shows up in it: db1 HARD_OFFLINE, the writer on db2', async () => {
    await killMariadb(c!, 'db1');
    await until('writer role on db2', async () => writerOf(await c!.statusDoc()) === 'db2', 30_000, 100);
    const r = await load(c!.clientNs, withCert, url);
    expect(hostRow(r.dom, 'db1'), r.dom.slice(0, 3000)).to.match(/HARD_OFFLINE/);
    expect(hostRow(r.dom, 'db2')).to.match(/writer/);
    const shot = join(tmp, 'status-page.png');
    const s = await load(c!.clientNs, withCert, url, { screenshot: shot });
    expect(existsSync(shot), `screenshot: ${s.stderr}`).to.equal(true);
    const dest = process.env.MMM_SCREENSHOT_DIR;
    if (dest) {
      copyFileSync(shot, join(dest, 'status-page.png'));
      log(`screenshot written to ${join(dest, 'status-page.png')}`);
    }
  });
});
