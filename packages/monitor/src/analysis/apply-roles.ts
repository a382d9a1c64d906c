// Steps 3–4 of analyze: strip roles of hosts that left ONLINE (ACTIVE mode), distribute, and
// gate the writer: the new writer's role is withheld until writer-safety allows it.
import type { MmmConfig, Mode } from '@mmm/common/pure';
import { distributeRoles } from './roles/distribute';
import { activeMasterOf, stripHosts, type RoleMove } from './roles/role-table';
import { actionFor, type Diagnosis, type DiagnosisCode } from './diagnosis';
import { distributes, rolesFollowStates } from './modes';
import { monitorSettings } from './policy';
import type { Action, Decision } from './result';
import { lossAtFailover } from './loss';
import { type Election, chooseWriter, policyBar } from './promotion';
import type { ClusterSnapshot, FailoverRecord, HostMemory, MonitorState, RoleAssignment } from './snapshot';
import { writerSafety, type WriterContext, type WriterSafety } from './writer-safety';
import { type Attempt, type Verdict, gateSettings, preFailoverVerdict } from './pre-failover-gate';

export interface RolePass {
  table: RoleAssignment[];
  /** Host given the active master role whose role is withheld this pass ('' = none). */
  withheldWriter: string;
  /** Host that may be writable after this pass. */
  writer: string;
  safety?: WriterSafety;
  decisions: Decision[];
  actions: Action[];
  /** The writer role found no owner this pass, and why (policy, missing transactions, cooldown). */
  blockedElection?: Election;
  /** A failover made writable this pass. */
  promoted?: FailoverRecord;
  /** pre_failover_command's verdict on this pass's failover, when one is pending. */
  preFailover?: { attempt: Attempt; verdict: Verdict };
}

const moveDecision = (m: RoleMove): Decision => ({
  kind: m.from === '' ? 'role_assign' : 'role_move',
  host: m.to || m.from,
  role: `${m.role}(${m.ip})`,
  reason: m.from === '' || m.to === '' ? m.reason : `${m.from} -> ${m.to}: ${m.reason}`,
  blocked: false,
});

function codeFor(state: HostMemory['state'], host: string, diagnoses: Diagnosis[]): DiagnosisCode {
  const d = diagnoses.find((x) => x.host === host && x.code !== 'AgentUnreachable' && x.code !== 'HostFlapping' && x.code !== 'MonitorAccountRefused');
  if (d) return d.code;
  return state === 'REPLICATION_FAIL' ? 'ReplicaBroken' : state === 'REPLICATION_DELAY' ? 'ReplicaDelayed' : 'HostDown';
}

export function applyRoles(args: {
  table: RoleAssignment[];
  hosts: Record<string, HostMemory>;
  snapshot: ClusterSnapshot;
  config: MmmConfig;
  mode: Mode;
  diagnoses: Diagnosis[];
  writer: WriterContext;
  lastFailover?: FailoverRecord;
  operatorWriter?: string;
  writerPositions?: MonitorState['writerPositions'];
}): RolePass {
  const { snapshot, config, mode, hosts } = args;
  const amRole = config.activeMasterRole;
  const decisions: Decision[] = [];
  const actions: Action[] = [];
  let table = args.table;
  const lastWriter = args.writer.oldWriter;

  const failed = new Set(table.filter((a) => a.host !== '' && hosts[a.host]?.state !== 'ONLINE').map((a) => a.host));
  for (const host of [...failed].sort()) {
    const state = hosts[host].state;
    const r = actionFor(codeFor(state, host, args.diagnoses), mode);
    const ok = rolesFollowStates(mode) && r.actionable;
    decisions.push({ kind: 'role_move', host, reason: ok ? `${host} is ${state}: its roles are removed` : `${host} is ${state}, roles kept: ${r.why}`, blocked: !ok });
  }
  if (rolesFollowStates(mode)) {
    const s = stripHosts(table, failed, (h) => `${h} is ${hosts[h].state}`);
    table = s.table;
    // a host that lost roles and cannot be told so may still serve its VIPs: fence it
    const kill = monitorSettings(config).killHostBin;
    for (const host of [...failed].sort()) {
      const o = snapshot.hosts[host];
      if (o && !o.agent.reachable && !o.fence) {
        if (kill) actions.push({ kind: 'kill_host', host, reason: `${host} left ONLINE holding roles and its agent is unreachable` });
        decisions.push({ kind: 'fence', host, reason: kill ? `demotion of ${host} cannot be delivered: run kill_host_bin` : `demotion of ${host} cannot be delivered and kill_host_bin is not configured: there may be duplicate IPs`, blocked: !kill });
      }
    }
  }
  if (!distributes(mode)) {
    return { table, withheldWriter: '', writer: lastWriter, decisions, actions };
  }

  const canReceive = (h: string): boolean => hosts[h]?.state === 'ONLINE' && !!snapshot.hosts[h]?.agent.reachable;
  const w = args.writer;
  const judged = { config, hosts: snapshot.hosts, memory: hosts, oldWriter: lastWriter, oldWriterState: hosts[lastWriter]?.state, healthMaxAgeMs: w.policy.healthMaxAgeMs, now: w.now };
  const chosen = chooseWriter({ ...judged, table, canReceive, lastFailover: args.lastFailover, operatorWriter: args.operatorWriter });
  table = chosen.table;
  decisions.push(...chosen.decisions);
  const election = chosen.election;
  const row = table.find((a) => a.role === amRole);
  const mayHoldWriter = (h: string): boolean => !policyBar(h, snapshot.hosts[h], hosts[h], config, w.policy.healthMaxAgeMs, w.now);
  const d = distributeRoles(table, { roles: config.roles, activeMasterRole: amRole, canReceive, obeyPreferences: mode === 'ACTIVE', writerDecided: !!election || (!!row && row.host === args.operatorWriter && row.host !== lastWriter), mayHoldWriter });
  table = d.table;
  decisions.push(...d.moves.map(moveDecision));
  for (const a of table) {
    if (a.host === '' && !(a.role === amRole && election)) decisions.push({ kind: 'role_assign', role: `${a.role}(${a.ip})`, reason: 'no ONLINE host with a reachable agent can take this role', blocked: true });
  }
  const blockedElection = election && !election.host ? election : undefined;

  const newWriter = activeMasterOf(table, amRole);
  if (!newWriter || newWriter === lastWriter) return { table, withheldWriter: '', writer: newWriter || lastWriter, decisions, actions, blockedElection };
  const safety = writerSafety(newWriter, args.writer);
  // pre_failover_command gates a failover (not the first writer) like writer safety, and runs
  // while safety is still waiting: its answer is usually there when the promotion is allowed
  const attempt: Attempt = { event: 'failover', from: lastWriter, to: newWriter, why: `${lastWriter} is ${hosts[lastWriter]?.state ?? 'gone'}` };
  const verdict: Verdict = lastWriter ? preFailoverVerdict(snapshot.preFailover, attempt, gateSettings(config), w.now) : { kind: 'go', approved: false };
  const gate = verdict.kind === 'go' ? {} : { preFailover: { attempt, verdict } };
  if (verdict.kind === 'run') actions.push({ kind: 'pre_failover', event: 'failover', from: lastWriter, to: newWriter, reason: attempt.why ?? '' });
  if (safety.allowed && verdict.kind === 'go') {
    // Keyed by the writer's IP like the role moves, so `show` says why the writer is here (the cause).
    const ip = table.find((a) => a.role === amRole && a.host === newWriter)?.ip;
    const byOperator = newWriter === args.operatorWriter;
    const cause = lastWriter ? `failover from ${lastWriter} (${hosts[lastWriter]?.state ?? 'gone'})${byOperator ? ' to the host the operator chose' : ''}` : 'first writer';
    const loss = lastWriter ? lossAtFailover(lastWriter, newWriter, args.writerPositions, snapshot.hosts, w.policy.healthMaxAgeMs, w.now) : undefined;
    decisions.push({ kind: 'failover', host: newWriter, role: ip ? `${amRole}(${ip})` : amRole, reason: `${cause}: ${newWriter} may become writable: ${safety.reason}${loss ? `; ${loss.text}` : ''}`, blocked: false });
    const promoted: FailoverRecord | undefined = lastWriter
      ? { at: w.now, from: lastWriter, to: newWriter, automatic: !byOperator && hosts[lastWriter]?.state !== 'ADMIN_OFFLINE', ...loss?.record }
      : undefined;
    return { table, withheldWriter: '', writer: newWriter, safety, decisions, actions, promoted };
  }
  const why = verdict.kind === 'go' ? safety.reason : safety.allowed ? verdict.reason : `${safety.reason}; ${verdict.reason}`;
  decisions.push({ kind: 'failover', host: newWriter, role: amRole, reason: `${newWriter} is not made writable yet: ${why}`, blocked: true });
  const kill = monitorSettings(config).killHostBin;
  // fencing the old writer is part of the failover: not before pre_failover_command approved it
  if (safety.legacyUnproven && kill && verdict.kind === 'go' && !snapshot.hosts[lastWriter]?.fence && !actions.some((a) => a.kind === 'kill_host' && a.host === lastWriter)) {
    actions.push({ kind: 'kill_host', host: lastWriter, reason: `${lastWriter} runs an MMM 2.x agent, which cannot fence itself: ${safety.reason}` });
  }
  return { table, withheldWriter: newWriter, writer: lastWriter, safety, decisions, actions, ...gate };
}
