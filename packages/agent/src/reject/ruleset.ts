// The nft script of the reject path (pure). A client whose ARP cache still names this host for a
// writer VIP that moved away sends its SYN here; Linux drops it without a word (the address is no
// longer local), and the client waits for its SYN retransmit or connect timeout. This table
// answers those packets with a TCP reset instead: the client sees ECONNREFUSED at once.
import { MmmError, ipVersion } from '@mmm/common/pure';

export interface RejectRuleset {
  /** The agent's own table (rejectTableName): several agents may share one namespace. */
  table: string;
  /** Addresses to answer for; none = the table is removed. */
  vips: readonly string[];
  /** The MySQL port clients reach the VIP on. */
  port: number;
  family?: 'inet';
}

/** Before conntrack (-200): a rejected packet never makes a conntrack entry. */
export const REJECT_PRIORITY = -300;

/** FNV-1a, 32 bits: a short, stable suffix for host names that had to be changed. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (const ch of new TextEncoder().encode(s)) {
    h ^= ch;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** `mmm_reject_<host>`; characters nft would not take as a name become `_`, plus a hash of the
 *  real name so that `db-1` and `db_1` never share a table. */
export function rejectTableName(host: string): string {
  const safe = host.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 64);
  return safe === host ? `mmm_reject_${host}` : `mmm_reject_${safe}_${fnv1a(host)}`;
}

function checked(r: RejectRuleset): { table: string; family: string; v4: string[]; v6: string[] } {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(r.table)) throw new MmmError('INTERNAL', `bad nft table name '${r.table}'`);
  if (!Number.isInteger(r.port) || r.port < 1 || r.port > 65535) throw new MmmError('INTERNAL', `bad port ${r.port}`);
  const v4: string[] = [];
  const v6: string[] = [];
  for (const ip of [...new Set(r.vips)].sort()) {
    const kind = ip.includes('%') ? 0 : ipVersion(ip); // a zone (fe80::1%eth0) is no VIP
    if (kind === 4) v4.push(ip);
    else if (kind === 6) v6.push(ip);
    else throw new MmmError('INTERNAL', `bad VIP '${ip}'`);
  }
  return { table: r.table, family: r.family ?? 'inet', v4, v6 };
}

/** Removes the table, whether it exists or not (`table` first creates it if missing), in one transaction. */
export function buildRejectRemoval(table: string, family: 'inet' = 'inet'): string {
  const t = checked({ table, vips: [], port: 1, family });
  return `table ${t.family} ${t.table}\ndelete table ${t.family} ${t.table}\n`;
}

/**
 * The whole table, replacing any earlier one atomically (`nft -f` runs the script as one
 * transaction). Every TCP packet to VIP:port is answered, not only SYNs: a packet of a connection
 * made before the move gets a reset too, instead of retransmitting into the void. `fib daddr type
 * != local`: while the address is (again) on this host the rule does nothing, so the table may be
 * in place before the VIP leaves and harms nothing if it comes back, or if another agent in the
 * same namespace holds it. Neither ARP nor neighbour discovery is touched: the host does not
 * answer for the address.
 */
export function buildRejectRuleset(r: RejectRuleset): string {
  const t = checked(r);
  if (t.v4.length === 0 && t.v6.length === 0) return buildRejectRemoval(t.table);
  const rule = (proto: 'ip' | 'ip6', ips: string[]) =>
    `    ${proto} daddr { ${ips.join(', ')} } tcp dport ${r.port} fib daddr type != local counter reject with tcp reset\n`;
  return (
    `table ${t.family} ${t.table}\n` +
    `delete table ${t.family} ${t.table}\n` +
    `table ${t.family} ${t.table} {\n` +
    `  chain prerouting {\n` +
    `    type filter hook prerouting priority ${REJECT_PRIORITY}; policy accept;\n` +
    (t.v4.length ? rule('ip', t.v4) : '') +
    (t.v6.length ? rule('ip6', t.v6) : '') +
    `  }\n` +
    `}\n`
  );
}
