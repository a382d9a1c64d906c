// set_active / set_manual / set_passive. Leaving PASSIVE is MMM's cleanup_and_send_status:
// CLEAR_BAD_ROLES to every agent, then every status in order.
import { type Mode, PASSIVE_CAUSE_ADMIN, texts } from '@mmm/common/pure';
import type { Action } from '../result';
import type { MonitorState } from '../snapshot';
import { planStatuses } from '../status-plan';
import { type OperatorStep, type OperatorView, type Transition, refuse } from './types';

function cleanupAndSendStatus(v: OperatorView, state: MonitorState): Action[] {
  const hosts = Object.keys(v.config.hosts).sort();
  const lastApplied = Object.fromEntries(hosts.map((h) => [h, v.hosts[h]?.agent.lastApplied]));
  return [
    ...hosts.map((host): Action => ({ kind: 'clear_bad_roles', host })),
    ...planStatuses({ config: v.config, state, withheld: '', previousWriter: state.lastWriter, lastApplied }),
  ];
}

function switchMode(v: OperatorView, to: Mode, command: string, reply: string): OperatorStep {
  const from = v.state.mode;
  const state: MonitorState = { ...v.state, mode: to, modeSince: v.now, passiveCause: to === 'PASSIVE' ? PASSIVE_CAUSE_ADMIN : undefined };
  return {
    kind: 'done',
    reply,
    state,
    decisions: [{ kind: 'mode_change', reason: `${from} -> ${to}: ${command} by operator`, blocked: false }],
    actions: from === 'PASSIVE' ? cleanupAndSendStatus(v, state) : [],
    pass: to !== 'PASSIVE',
  };
}

export const setActive: Transition<'set_active'> = (_c, v) =>
  v.state.mode === 'ACTIVE' ? refuse(texts.alreadyActive()) : switchMode(v, 'ACTIVE', 'set_active', texts.switchedActive());

// MMM: is_manual is true in WAIT
export const setManual: Transition<'set_manual'> = (_c, v) =>
  v.state.mode === 'MANUAL' || v.state.mode === 'WAIT' ? refuse(texts.alreadyManual()) : switchMode(v, 'MANUAL', 'set_manual', texts.switchedManual());

export const setPassive: Transition<'set_passive'> = (_c, v) =>
  v.state.mode === 'PASSIVE' ? refuse(texts.alreadyPassive()) : switchMode(v, 'PASSIVE', 'set_passive', texts.switchedPassive());
