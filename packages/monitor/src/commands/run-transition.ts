// The handler of every command that changes the cluster: the pure transition decides; this does
// the I/O it asks for (ping an agent, run a planned move) and applies what it returned.
import { MmmError } from '@mmm/common';
import { type OperatorCommand, type OperatorStep, type OperatorView, operatorTransition } from '../analysis/operator';
import type { CommandHost } from './context';
import { commandAttempt } from '../hooks/command-attempt';
import { describeAttempt } from '../analysis/pre-failover-gate';

function apply(m: CommandHost, step: Extract<OperatorStep, { kind: 'done' | 'switch' }>): void {
  if (step.state) m.state = step.state;
  for (const d of step.decisions) m.record(d);
}

export async function runTransition(m: CommandHost, cmd: OperatorCommand): Promise<string> {
  const pinged: Record<string, boolean> = {};
  const view = (): OperatorView => ({ config: m.config, state: m.state, now: m.now(), hosts: m.observations(), pinged });
  let step = operatorTransition(cmd, view());
  // each host is pinged at most once: a transition asking again would be a bug, not a wait
  while (step.kind === 'ping') {
    if (step.host in pinged) throw new MmmError('INTERNAL', `${cmd.kind} asked twice to ping ${step.host}`);
    pinged[step.host] = await m.pingAgent(step.host);
    step = operatorTransition(cmd, view());
  }
  // a command that moves the writer asks pre_failover_command before it changes anything
  const attempt = m.preFailover && commandAttempt(step, m.state, m.config.activeMasterRole);
  if (attempt) {
    attempt.why = `${cmd.kind} by operator`;
    const answer = await m.preFailover!(attempt);
    if (!answer.ok) {
      const reason = `pre_failover_command vetoed the ${describeAttempt(attempt)}: ${answer.reason}`;
      m.record({ kind: attempt.event, host: attempt.to || attempt.from, role: m.config.activeMasterRole, reason: `${cmd.kind} refused: ${reason}`, blocked: true });
      return `ERROR: ${reason}. Nothing was changed.`;
    }
  }
  if (step.kind === 'switch') {
    apply(m, step);
    const out = await m.runSwitch(step.action);
    step = step.after(out.ok ? { ok: true } : { ok: false, reason: out.reason }, view());
  }
  if (step.kind !== 'done') throw new MmmError('INTERNAL', `${cmd.kind}: unexpected step ${step.kind} after the move`);
  apply(m, step);
  // with monitor HA, execute() also stores the changed state in etcd first (even without actions)
  await m.execute(step.actions);
  if (step.pass) m.triggerPass();
  return step.reply;
}
