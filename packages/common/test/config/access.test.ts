// Readability as the user a daemon will run as: passwd/group parsing and the mode-bit rule.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { permits, runAsFrom, unreadableReason } from '../../src/config/access';

const PASSWD = 'root:x:0:0:root:/root:/bin/bash\nmmm:x:998:997::/var/lib/mmm:/usr/sbin/nologin\nop:x:1000:1000::/home/op:/bin/bash\n';
const GROUP = 'root:x:0:\nmmm:x:997:\nadm:x:4:op,mmm\nop:x:1000:\n';

describe('config access (run-as user)', () => {
  it('parses passwd and group: primary and supplementary groups; unknown user = undefined', () => {
    expect(runAsFrom('mmm', PASSWD, GROUP)).to.deep.equal({ name: 'mmm', uid: 998, gids: [997, 4] });
    expect(runAsFrom('nobody-here', PASSWD, GROUP)).to.equal(undefined);
  });

  const mmm = { name: 'mmm', uid: 998, gids: [997] };
  const table: [string, { mode: number; uid: number; gid: number }, boolean][] = [
    ['root:root 0600', { mode: 0o100600, uid: 0, gid: 0 }, false],
    ['root:mmm 0640', { mode: 0o100640, uid: 0, gid: 997 }, true],
    ['root:mmm 0600', { mode: 0o100600, uid: 0, gid: 997 }, false],
    ['mmm:mmm 0400', { mode: 0o100400, uid: 998, gid: 997 }, true],
    ['mmm:root 0044 (owner bits win)', { mode: 0o100044, uid: 998, gid: 0 }, false],
    ['root:root 0644', { mode: 0o100644, uid: 0, gid: 0 }, true],
  ];
  for (const [name, st, ok] of table) it(`${name} ⇒ ${ok ? 'readable' : 'not readable'} by mmm`, () => expect(permits(st, mmm, 4)).to.equal(ok));
  it('root reads everything', () => expect(permits({ mode: 0o100000, uid: 5, gid: 5 }, { name: 'root', uid: 0, gids: [0] }, 4)).to.equal(true));

  it('real files: a 0600 file of another owner is not readable; a folder without x stops the path', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmm-access-'));
    try {
      const f = path.join(dir, 'key.pem');
      fs.writeFileSync(f, 'k', { mode: 0o600 });
      fs.chmodSync(dir, 0o755);
      const other = { name: 'ghost', uid: 4242, gids: [4242] };
      const st = fs.statSync(f);
      const owner = { name: 'owner', uid: st.uid, gids: [st.gid] };
      expect(unreadableReason(f, other)).to.equal('not readable by ghost');
      expect(unreadableReason(f, owner)).to.equal(undefined);
      fs.chmodSync(f, 0o644);
      fs.chmodSync(dir, 0o700);
      expect(unreadableReason(f, other)).to.equal(`folder ${dir} is not searchable by ghost`);
      expect(unreadableReason(path.join(dir, 'missing'), owner)).to.equal('ENOENT');
    } finally {
      fs.chmodSync(dir, 0o755);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
