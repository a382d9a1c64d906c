// The monitor's decision core: observe → **analyze** → act → persist. Pure: everything it knows
// comes in as arguments; every decision, taken or blocked, comes out with its reason.
import type { MmmConfig } from '@mmm/common';
import { activeMasterOf, normalizeAssignments, rolesOf } from '../roles/role-table';
import { applyRoles } from './apply-roles';
import { applyTransitions } from './apply-transitions';
import { DIAGNOSES, diagnoseHost, diagnoseWriter, type Diagnosis } from './diagnosis';
import { stepMode } from './modes';
import { makePolicy } from './policy';
import type { Action, AnalysisResult, Decision } from './result';
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
    const d: Diagnosis = { code: 'MonitorIsolated', description: DIAGNOSES.MonitorIsolated };
    const freeze: Decision = { kind: 'freeze', reason: 'none of ping_ips answers: no state changes, nothing sent', blocked: false };
    return { state: previous, diagnoses: [d], transitions: [], roleAssignments: prevTable, decisions: [freeze], actions: [], mode: previous.mode };
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
    policy,
    now,
  };

  const diagnoses: Diagnosis[] = [];
  const writerDiagnosis = diagnoseWriter(wObs, writerCtx);
  if (writerDiagnosis) diagnoses.push(writerDiagnosis);
  for (const h of Object.keys(snapshot.hosts).sort()) {
    if (h === lastWriter || !config.hosts[h]) continue;
    diagnoses.push(...diagnoseHost(h, snapshot.hosts[h], !!previous.hosts[h]?.flap.flapping));
  }

  const tp = applyTransitions({ snapshot, previous: previous.hosts, config, activeMaster: activeMasterOf(prevTable, amRole), writerDiagnosis, policy, now });
  const decisions: Decision[] = [...tp.decisions];

  const ms = stepMode(previous.mode, previous.modeSince, tp.hosts, config, now);
  if (ms.decision) decisions.push(ms.decision);

  const rp = applyRoles({ table: prevTable, hosts: tp.hosts, snapshot, config, mode: ms.mode, diagnoses, writer: writerCtx });
  decisions.push(...rp.decisions);
  if (!activeMasterOf(rp.table, amRole) && config.roles[amRole]) {
    diagnoses.push({ code: 'NoWriter', description: DIAGNOSES.NoWriter });
  }

  const actions: Action[] = [...rp.actions];
  if (ms.mode !== 'PASSIVE') {
    const current = activeMasterOf(rp.table, amRole);
    const activeMaster = current && current !== rp.withheldWriter ? current : '';
    for (const host of Object.keys(config.hosts).sort()) {
      let roles = rolesOf(rp.table, host);
      if (host === rp.withheldWriter) roles = roles.filter((r) => r.name !== amRole);
      actions.push({ kind: 'set_status', host, state: tp.hosts[host].state, roles, activeMaster });
    }
    actions.push({ kind: 'persist' });
  }

  const writerChanged = rp.writer !== lastWriter;
  const newContact = writerChanged ? (snapshot.hosts[rp.writer]?.agent.lastContact ?? now) : writerCtx.lastWriterContact;
  const state: MonitorState = {
    mode: ms.mode,
    passiveCause: ms.mode === 'PASSIVE' ? previous.passiveCause : undefined,
    modeSince: ms.modeSince,
    hosts: tp.hosts,
    roles: rp.table,
    lastWriter: rp.writer,
    lastWriterContact: newContact,
  };
  return { state, diagnoses, transitions: tp.transitions, roleAssignments: rp.table, decisions, actions, mode: ms.mode };
}
