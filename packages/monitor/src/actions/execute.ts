// Executes an Action list exactly as analysis (or an operator transition) returned it, in order:
// fences and kill_host_bin first, then a planned switch or the statuses (a catch-up alongside),
// then the status file.
// It decides nothing: a step's outcome reaches the next analysis as an observation.
import type { Action, StatusLine } from '../analysis/result';
import type { SwitchAction } from '../analysis/planned-switch';

type Of<K extends Action['kind']> = Extract<Action, { kind: K }>;

export interface ExecuteDeps {
  killHost(a: Of<'kill_host'>): Promise<void>;
  clearFence(host: string): void;
  clearBadRoles(host: string): Promise<void>;
  /** Runs the planned move; true when the writer moved. */
  switchWriter(a: SwitchAction): Promise<boolean>;
  /** CATCH_UP on the candidate (bounded by the action's timeout); true when it caught up. */
  catchUp(a: Of<'catch_up'>): Promise<boolean>;
  /** Starts pre_failover_command in the background (not awaited: a pass never waits for a hook). */
  preFailover(a: Of<'pre_failover'>): void;
  /** SET_STATUS; false when not confirmed (no reply, ERROR, or the host still busy with the last one). */
  setStatus(l: StatusLine): Promise<boolean>;
  persist(): Promise<void>;
  /** Run the next pass as soon as this one ends. */
  triggerPass(): void;
  /** How long the `rest` phase is waited for; the slowest agents finish in the background. */
  restWaitMs: number;
}

const line = (a: Of<'set_status'>): StatusLine => ({ host: a.host, state: a.state, roles: a.roles, activeMaster: a.activeMaster });

async function sendStatuses(list: Of<'set_status'>[], d: ExecuteDeps): Promise<void> {
  // A writer in the list was proven safe by the previous passes (old writer demoted, dead, fenced
  // or past its lease), so its promotion need not wait for this pass's demotion reply: a dead
  // writer's agent would spend its client grace on a server that is gone.
  const demote = list.filter((a) => a.phase === 'demote');
  const demoting = Promise.all(demote.map((a) => d.setStatus(line(a))));
  await Promise.all(list.filter((a) => a.phase === 'writer').map((a) => d.setStatus(line(a))));
  const demoted = await demoting;
  const rest = Promise.all(list.filter((a) => a.phase === 'rest').map((a) => d.setStatus(line(a))));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([rest, new Promise((r) => (timer = setTimeout(r, d.restWaitMs)))]);
  clearTimeout(timer);
  if (demote.some((a, i) => a.nextPassOnSuccess && demoted[i])) d.triggerPass();
}

export async function executeActions(actions: readonly Action[], d: ExecuteDeps): Promise<void> {
  // a catch-up makes nothing writable: it runs alongside the statuses, not after a dead old
  // writer's demotion grace; the promotion it prepares is decided by the next pass
  const catchUps = actions.filter((a): a is Of<'catch_up'> => a.kind === 'catch_up').map((a) => d.catchUp(a));
  let i = 0;
  while (i < actions.length) {
    const a = actions[i];
    if (a.kind === 'set_status' || a.kind === 'kill_host' || a.kind === 'clear_bad_roles') {
      // a run of the same kind goes out together
      let j = i;
      while (j < actions.length && actions[j].kind === a.kind) j++;
      const run = actions.slice(i, j);
      if (a.kind === 'set_status') await sendStatuses(run as Of<'set_status'>[], d);
      else if (a.kind === 'kill_host') await Promise.all((run as Of<'kill_host'>[]).map((k) => d.killHost(k)));
      else await Promise.all((run as Of<'clear_bad_roles'>[]).map((c) => d.clearBadRoles(c.host)));
      i = j;
      continue;
    }
    if (a.kind === 'clear_fence') d.clearFence(a.host);
    else if (a.kind === 'pre_failover') d.preFailover(a);
    else if (a.kind === 'switch_writer') {
      await d.switchWriter(a);
      d.triggerPass(); // the statuses follow from the outcome, at once
    } else if (a.kind !== 'catch_up') await d.persist();
    i++;
  }
  if ((await Promise.all(catchUps)).some(Boolean)) d.triggerPass();
}
