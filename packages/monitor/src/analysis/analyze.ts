// The monitor's decision core: observe → **analyze** → act → persist. Pure: everything it knows
// comes in as arguments; every decision, taken or blocked, comes out with its reason.
import { own } from '@mmm/common/pure';
import type { MmmConfig } from '@mmm/common/pure';
import { activeMasterOf, normalizeAssignments } from './roles/role-table';
import { applyRoles } from './apply-roles';
import { applyTransitions } from './apply-transitions';
import { DIAGNOSES, diagnoseAccount, diagnoseHost, diagnoseSemisync, diagnoseWriter, diagnosisKey, trackDiagnoses, type Diagnosis } from './diagnosis';
import { stepMode } from './modes';
import { planSwitchBack, stepBackoff } from './planned-switch';
import { makePolicy } from './policy';
import { noteReturn, trackWriterPositions } from './loss';
import { planCatchUp, stepCatchUpBackoff } from './catch-up';
import type { Action, AnalysisResult, Decision } from './result';
import { planStatuses } from './status-plan';
import { placeRoles } from './role-placement';
import type { AnalysisPolicy, ClusterSnapshot, MonitorState } from './snapshot';
import type { WriterContext } from './writer-safety';

export function analyze(
  snapshot: ClusterSnapshot,
  previous: MonitorState,
  config: MmmConfig,
  now: number,
  policyOverrides: Partial<AnalysisPolicy> = {},
): AnalysisResult {
  const policy = makePolicy(policyOverrides);
  const amRole = config.activeMasterRole;
  const prevTable = normalizeAssignments(config.roles, previous.roles);

  if (!snapshot.networkOk) {
    // MMM: no network ⇒ checks pause, states freeze, nothing is sent
    // (the other diagnoses are unknown while frozen: they are kept, not cleared)
    const d: Diagnosis = { code: 'MonitorIsolated', description: DIAGNOSES.MonitorIsolated };
    const key = diagnosisKey(d);
    const known = previous.diagnosedSince?.[key] !== undefined;
    const t = trackDiagnoses([d], known ? { [key]: previous.diagnosedSince![key] } : {}, now);
    const freeze: Decision = { kind: 'state_change', reason: 'none of ping_ips answers: no state changes, nothing sent', blocked: false };
    const state = { ...previous, diagnosedSince: { ...previous.diagnosedSince, ...t.since } };
    return { state, diagnoses: t.diagnoses, transitions: [], roleAssignments: prevTable, decisions: [...t.decisions, freeze], actions: [], mode: previous.mode };
  }

  // the writer's agent renews its lease on every reply: that is the contact that counts
  const lastWriter = previous.lastWriter;
  const wObs = lastWriter ? snapshot.hosts[lastWriter] : undefined;
  const contacts = [previous.lastWriterContact, wObs?.agent.reachable ? wObs.agent.lastContact ?? now : undefined].filter((x): x is number => x !== undefined);
  const writerCtx: WriterContext = {
    oldWriter: lastWriter,
    oldWriterIp: lastWriter ? config.hosts[lastWriter]?.ip : undefined,
    hosts: snapshot.hosts,
    lastWriterContact: contacts.length ? Math.max(...contacts) : undefined,
    activeMasterRole: amRole,
    writerLeaseSec: config.writerLease,
    mysqlTrapSec: config.checks.mysql?.trapPeriod,
    legacyFailover: config.monitor?.legacyFailover ?? 'safe',
    policy,
    now,
  };

  const diagnoses: Diagnosis[] = [];
  const writerDiagnosis = diagnoseWriter(wObs, writerCtx);
  if (writerDiagnosis) diagnoses.push(writerDiagnosis);
  for (const h of Object.keys(snapshot.hosts).sort()) {
    if (!own(config.hosts, h)) continue;
    const refused = diagnoseAccount(h, snapshot.hosts[h]);
    if (refused) diagnoses.push(refused);
    if (h === lastWriter) continue;
    diagnoses.push(...diagnoseHost(h, snapshot.hosts[h], !!previous.hosts[h]?.flap.flapping));
  }

  const tp = applyTransitions({ snapshot, previous: previous.hosts, config, activeMaster: activeMasterOf(prevTable, amRole), writerDiagnosis, policy, now });
  const decisions: Decision[] = [...tp.decisions];
  const semiWriter = activeMasterOf(prevTable, amRole);
  const semisync = diagnoseSemisync(config, semiWriter, tp.hosts[semiWriter]?.state, snapshot.hosts[semiWriter], now, policy.healthMaxAgeMs);
  if (semisync) diagnoses.push(semisync);

  const ms = stepMode(previous.mode, previous.modeSince, tp.hosts, config, now);
  if (ms.decision) decisions.push(ms.decision);

  const rp = applyRoles({
    table: prevTable, hosts: tp.hosts, snapshot, config, mode: ms.mode, diagnoses, writer: writerCtx,
    lastFailover: previous.lastFailover, operatorWriter: previous.operatorWriter, writerPositions: previous.writerPositions,
  });
  const be = rp.blockedElection;
  if (be && be.blocked && be.blocked !== 'unavailable') {
    const code = be.blocked === 'cooldown' ? 'FailoverCooldown' : 'FailoverBlocked';
    diagnoses.push({ code, description: DIAGNOSES[code], detail: be.reason });
  }
  // nobody has everything: the first candidate fetches it from a host that has it (bounded)
  const catchUpBackoff = stepCatchUpBackoff(previous.catchUpBackoff, snapshot.lastCatchUp, now);
  const cu = be?.blocked === 'lacking'
    ? planCatchUp({ election: be, hosts: snapshot.hosts, backoff: catchUpBackoff, lastCatchUp: snapshot.lastCatchUp, switchTimeoutSec: config.switchTimeout, healthMaxAgeMs: policy.healthMaxAgeMs, heartbeatBoundMs: policy.heartbeatBoundMs, now })
    : undefined;
  if (cu) rp.decisions.push(...cu.decisions);
  let table = rp.table;
  let withheld = rp.withheldWriter;
  let writer = rp.writer;
  if (!activeMasterOf(table, amRole) && config.roles[amRole]) {
    diagnoses.push({ code: 'NoWriter', description: DIAGNOSES.NoWriter });
  }

  const actions: Action[] = [...rp.actions];
  // a legacy old writer known dead answers CLEAR_BAD_ROLES before another host is promoted
  if (rp.safety?.needsClearBadRoles) actions.push({ kind: 'clear_bad_roles', host: rp.safety.needsClearBadRoles });
  for (const h of Object.keys(snapshot.hosts).sort()) if (snapshot.hosts[h].fence && tp.hosts[h]?.state === 'ONLINE') actions.push({ kind: 'clear_fence', host: h });
  const backoff = stepBackoff(previous.switchBackoff, snapshot.lastSwitch, now);
  const sb = ms.mode === 'PASSIVE' ? undefined : planSwitchBack({ config, table, applied: prevTable, to: withheld, from: lastWriter, hosts: tp.hosts, snapshot, backoff, now });
  if (sb) {
    // a planned switch, not a failover: the promotion withheld above is not waited for
    decisions.push(...rp.decisions.filter((d) => !(d.kind === 'failover' && d.blocked && d.host === withheld)), sb.decision);
    // …nor its pre_failover_command run: the switch asks for its own
    for (let i = actions.length - 1; i >= 0; i--) if (actions[i].kind === 'pre_failover') actions.splice(i, 1);
    table = sb.table;
    withheld = '';
    writer = lastWriter;
  } else decisions.push(...rp.decisions);

  let mayHold = previous.mayHold;
  if (sb?.action) actions.push(sb.action, { kind: 'persist' });
  else if (ms.mode !== 'PASSIVE') {
    const placed = placeRoles({ snapshot, before: prevTable, after: table, previousHeld: previous.mayHold, activeMasterRole: amRole });
    table = placed.table;
    mayHold = placed.held;
    diagnoses.push(...placed.diagnoses);
    decisions.push(...placed.decisions);
    const lastApplied = Object.fromEntries(Object.keys(config.hosts).map((h) => [h, snapshot.hosts[h]?.agent.lastApplied]));
    actions.push(...planStatuses({ config, state: { hosts: tp.hosts, roles: table }, withheld, previousWriter: writer, lastApplied }), ...placed.actions);
    if (cu?.action) actions.push(cu.action);
    if (sb?.hookAction) actions.push(sb.hookAction);
    actions.push({ kind: 'persist' });
  }

  // a veto of pre_failover_command is named like the other reasons a failover waits
  const gate = sb ? sb.preFailover : rp.preFailover;
  if (gate && gate.verdict.kind !== 'go' && gate.verdict.vetoed) diagnoses.push({ code: 'FailoverVetoed', host: gate.attempt.to, description: DIAGNOSES.FailoverVetoed, detail: gate.verdict.reason });
  const tracked = trackDiagnoses(diagnoses, previous.diagnosedSince, now);
  decisions.unshift(...tracked.decisions);

  const maxAge = policy.healthMaxAgeMs;
  const promoted = !sb ? rp.promoted : undefined;
  const lastFailover = promoted ?? noteReturn(previous.lastFailover, writer, snapshot.hosts, tp.hosts, maxAge, now);
  const writerPositions = trackWriterPositions(writer, previous.writerPositions, snapshot.hosts, maxAge, now);
  // the operator's choice holds until it is the writer, or the role went elsewhere
  const opWriter = previous.operatorWriter;
  const operatorWriter = opWriter && opWriter !== writer && activeMasterOf(table, amRole) === opWriter ? opWriter : undefined;
  const writerChanged = writer !== lastWriter;
  const newContact = writerChanged ? (snapshot.hosts[writer]?.agent.lastContact ?? now) : writerCtx.lastWriterContact;
  const state: MonitorState = {
    mode: ms.mode,
    passiveCause: ms.mode === 'PASSIVE' ? previous.passiveCause : undefined,
    modeSince: ms.modeSince,
    hosts: tp.hosts,
    roles: table,
    lastWriter: writer,
    lastWriterContact: newContact,
    switchBackoff: backoff,
    ...(Object.keys(catchUpBackoff).length ? { catchUpBackoff } : {}),
    diagnosedSince: tracked.since,
    ...(mayHold && Object.keys(mayHold).length ? { mayHold } : {}),
    ...(writerPositions ? { writerPositions } : {}),
    ...(lastFailover ? { lastFailover } : {}),
    ...(operatorWriter ? { operatorWriter } : {}),
  };
  return { state, diagnoses: tracked.diagnoses, transitions: tp.transitions, roleAssignments: table, decisions, actions, mode: ms.mode };
}
