// The lines mmm_control adds after MMM's `show` output (our addition; never sent by the monitor as
// part of `show`, so original tools parsing `show` see MMM's text unchanged). Every line starts `# `.
import type { DiagnosisStatus, FailoverStatus, HostStatus, MoveStatus, RoleStatus, StatusDocument } from './status-document';
import { formatDuration, formatMmmTime, type TimeOptions } from './time-format';

const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function renderHostExtra(h: HostStatus, opts: TimeOptions = {}): string {
  const parts = [`${h.state} since ${h.stateChangedAt ? formatMmmTime(h.stateChangedAt, opts) : 'unknown'}`];
  parts.push(h.replicationLagSeconds === null ? 'replication lag unknown' : `replication lag ${h.replicationLagSeconds} s`);
  if (h.writable !== null) parts.push(h.writable ? 'writable' : 'read-only');
  if (h.flapping) parts.push('flapping');
  const semi = semisyncExtra(h);
  if (semi) parts.push(semi);
  return `# Host ${h.name}: ${parts.join('; ')}\n`;
}

/** durability semisync: the writer's side of it, or a replica's. */
function semisyncExtra(h: HostStatus): string | undefined {
  const s = h.semisync;
  if (!s) return undefined;
  const n = s.masterClients === null ? '' : ` (${s.masterClients} semi-sync replica${s.masterClients === 1 ? '' : 's'})`;
  if (s.master === true) return s.masterStatus === false ? `semi-sync fell back to async${n}` : `semi-sync writer${n}`;
  if (s.replica === true) return s.replicaStatus === true ? 'semi-sync replica acknowledging' : 'semi-sync replica not acknowledging';
  return undefined;
}

export function renderRoleExtra(r: RoleStatus): string {
  const owners = [...new Set(r.ips.map((i) => i.assignedTo).filter((h) => h !== ''))].sort();
  const where = owners.length > 0 ? `on ${owners.join(', ')}` : 'is not assigned';
  const orphans = r.ips.filter((i) => i.assignedTo === '').length;
  const orphanNote = owners.length > 0 && orphans > 0 ? ` (${orphans} of ${r.ips.length} IPs not assigned)` : '';
  return `# Role ${r.name} ${where}${orphanNote}${r.reason ? `: ${r.reason}` : '.'}\n`;
}

export function renderMoveExtra(m: MoveStatus, opts: TimeOptions = {}): string {
  const what = `role ${m.role} from ${m.from || '(none)'} to ${m.to}`;
  const at = formatMmmTime(m.startedAt, opts);
  const why = m.reason ? `: ${m.reason}` : '';
  if (m.outcome === 'running' || m.durationMs === null) return `# Move in progress: ${what}, started ${at}${why}\n`;
  const verb = m.outcome === 'done' ? 'took' : 'aborted after';
  return `# Last move: ${what} ${verb} ${formatDuration(m.durationMs)}, started ${at}${why}\n`;
}

export function renderDiagnosisExtra(d: DiagnosisStatus, opts: TimeOptions = {}): string {
  const where = d.host ? ` on ${d.host}` : '';
  const since = d.since ? ` since ${formatMmmTime(d.since, opts)}` : '';
  return `# Diagnosis ${d.code}${where}${since}: ${(d.detail ?? d.description).replace(/\r?\n/g, ' ')}\n`;
}

const gtidList = (l: readonly string[], shown = 5): string => l.slice(0, shown).join(', ') + (l.length > shown ? ', …' : '');

export function renderFailoverExtra(f: FailoverStatus, opts: TimeOptions = {}): string {
  const parts = [`${f.from} -> ${f.to} at ${formatMmmTime(f.at, opts)}${f.automatic ? '' : ' (chosen by the operator)'}`];
  if (f.lostAtLeast === null) parts.push('loss unknown (no GTID positions)');
  else if (f.lostAtLeast.length === 0) parts.push(`nothing ${f.from} reported was lost`);
  else parts.push(`at least ${f.lostAtLeastCount ?? f.lostAtLeast.length} transaction${f.lostAtLeastCount === 1 ? '' : 's'} lost (${gtidList(f.lostAtLeast)})`);
  if (f.lostOnReturn !== null) parts.push(f.lostOnReturn.length ? `${f.from} came back with ${gtidList(f.lostOnReturn)} that the writer lacks` : `${f.from} came back with nothing the writer lacks`);
  if (f.cooldownUntil) parts.push(`another automatic failover is blocked until ${formatMmmTime(f.cooldownUntil, opts)} (failover_cooldown; mmm_control ack_failover lifts it)`);
  else if (f.acknowledgedAt) parts.push(`acknowledged ${formatMmmTime(f.acknowledgedAt, opts)}`);
  return `# Last failover: ${parts.join('; ')}\n`;
}

/** mmm_control's extra `# ` lines: warnings, diagnoses, per host lag and last state change, per role why, the last move and failover. */
export function renderShowExtra(doc: StatusDocument, opts: TimeOptions = {}): string {
  let out = '';
  for (const w of doc.warnings) out += `# Warning: ${w.replace(/\r?\n/g, ' ')}\n`;
  for (const d of doc.diagnoses ?? []) out += renderDiagnosisExtra(d, opts);
  for (const h of [...doc.hosts].sort(byName)) out += renderHostExtra(h, opts);
  for (const r of [...doc.roles].sort(byName)) out += renderRoleExtra(r);
  if (doc.lastMove) out += renderMoveExtra(doc.lastMove, opts);
  if (doc.lastFailover) out += renderFailoverExtra(doc.lastFailover, opts);
  return out;
}
