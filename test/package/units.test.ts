// The systemd units the .deb ships (etc/systemd/), read as systemd reads their [Service] lines:
// who each daemon runs as, what it starts, and the one capability the monitor keeps (its ping
// check needs CAP_NET_RAW under NoNewPrivileges). No root, no systemd.
import { expect } from 'chai';
import * as fs from 'node:fs';
import { join } from 'node:path';

const ETC = join(__dirname, '..', '..', 'etc', 'systemd');

/** `Key=value` lines of the [Service] section; a key given twice keeps both values in order. */
function serviceLines(unit: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = '';
  for (const raw of fs.readFileSync(join(ETC, unit), 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const s = /^\[(.+)\]$/.exec(line);
    if (s) {
      section = s[1]!;
      continue;
    }
    if (section !== 'Service') continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

describe('systemd units (etc/systemd/)', () => {
  it('mmm-monitor: user mmm, NoNewPrivileges, and CAP_NET_RAW as its only (ambient and bounding) capability', () => {
    const s = serviceLines('mmm-monitor.service');
    expect(s.get('User')).to.deep.equal(['mmm']);
    expect(s.get('Group')).to.deep.equal(['mmm']);
    expect(s.get('NoNewPrivileges')).to.deep.equal(['yes']);
    expect(s.get('AmbientCapabilities')).to.deep.equal(['CAP_NET_RAW']);
    expect(s.get('CapabilityBoundingSet')).to.deep.equal(['CAP_NET_RAW']);
    expect(s.get('ExecStartPre')).to.deep.equal(['/usr/bin/mmmd_mon -c /etc/mmm/mmm_mon.conf --check-config']);
    expect(s.get('ExecStart')).to.deep.equal(['/usr/bin/mmmd_mon -c /etc/mmm/mmm_mon.conf --log-format json']);
  });

  it('mmm-agent: root with every capability (it adds and removes VIPs), the same config for the check and the start', () => {
    const s = serviceLines('mmm-agent.service');
    expect(s.get('User')).to.deep.equal(['root']);
    expect(s.has('CapabilityBoundingSet'), 'a bounding set would have to keep CAP_NET_ADMIN').to.equal(false);
    expect(s.has('NoNewPrivileges')).to.equal(false);
    expect(s.get('ExecStartPre')).to.deep.equal(['/usr/bin/mmmd_agent -c /etc/mmm/mmm_agent.conf --check-config']);
    expect(s.get('ExecStart')).to.deep.equal(['/usr/bin/mmmd_agent -c /etc/mmm/mmm_agent.conf --log-format json']);
  });
});
