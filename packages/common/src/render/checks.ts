// `checks [<host>|all [<check>|all]]` exactly as MMM 2.2.1 Commands.pm::checks writes it:
//   one host, one check:  `db1  mysql  [last change: …]  OK`            (no padding, no newline)
//   one host, all checks: `db1  rep_threads  […]  OK\n`                  (check name padded to 11)
//   all hosts, one check: host padded to the longest configured name, check not padded
//   all hosts, all checks: both padded
// MMM walks hosts in Perl hash order; we sort them by name.
import { CHECK_NAMES, type CheckName } from '../config/types';
import { texts } from '../protocol/control-texts';
import type { CheckStatus, HostStatus, StatusDocument } from './status-document';
import { formatMmmTime, type TimeOptions } from './time-format';

const ALL = 'all';

function isCheckName(s: string): s is CheckName {
  return (CHECK_NAMES as readonly string[]).includes(s);
}

function findCheck(h: HostStatus, name: CheckName): CheckStatus {
  return h.checks.find((c) => c.name === name) ?? { name, ok: false, message: '', lastChange: null };
}

function line(host: string, check: string, c: CheckStatus, opts: TimeOptions): string {
  return `${host}  ${check}  [last change: ${formatMmmTime(c.lastChange, opts)}]  ${c.message}`;
}

/** MMM's reply to `checks`; `host`/`check` default to 'all'. Unknown names give MMM's error texts. */
export function renderChecks(doc: StatusDocument, host = ALL, check = ALL, opts: TimeOptions = {}): string {
  // MMM validates the check name before the host name.
  if (check !== ALL && !isCheckName(check)) return texts.unknownCheck(check);
  const checks: readonly CheckName[] = check === ALL ? CHECK_NAMES : [check as CheckName];

  if (host !== ALL) {
    const h = doc.hosts.find((x) => x.name === host);
    if (!h) return texts.unknownHost(host);
    if (check !== ALL) return line(h.name, check, findCheck(h, check as CheckName), opts);
    return checks.map((c) => `${line(h.name, c.padEnd(11), findCheck(h, c), opts)}\n`).join('');
  }

  const width = Math.max(0, ...doc.hosts.map((h) => h.name.length));
  const hosts = [...doc.hosts].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let out = '';
  for (const h of hosts) {
    for (const c of checks) {
      const name = check === ALL ? c.padEnd(11) : c;
      out += `${line(h.name.padEnd(width), name, findCheck(h, c), opts)}\n`;
    }
  }
  return out;
}
