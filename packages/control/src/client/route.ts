// Sends a command's exchanges to the right monitor (monitor HA). The first exchange finds the
// monitor by leader.ts's rules; every later one of the same command (show's status_json,
// move_role's polls) goes to the monitor that answered it. Thin I/O over an injected exchange.
import { ConnectError } from '@mmm/common';
import { parseMonitorAddress } from './addresses';
import { addressKeys, nextStep, type Try } from './leader';
import { describeUnreachable, isUnreachable } from './reasons';
import type { MonitorEndpoint } from './settings';

/** Every monitor address failed; `failures` says why, each in order. */
export class MonitorsUnreachableError extends ConnectError {
  constructor(readonly failures: readonly { address: string; reason: string }[]) {
    super(`no monitor could be reached: ${failures.map((f) => `${f.address}: ${f.reason}`).join('; ')}`);
  }
}

export interface RouteOptions {
  /** In order; at least one. */
  monitors: readonly MonitorEndpoint[];
  /** The command changes the cluster: only the leader may run it. */
  changesCluster: boolean;
  /** One exchange with one monitor (rejects as exchange() does). */
  exchange(to: MonitorEndpoint, line: string): Promise<string>;
}

export interface Route {
  send(line: string): Promise<string>;
  /** The monitor that answered the first exchange, once it has. */
  readonly answeredBy?: string;
}

export function monitorRoute(o: RouteOptions): Route {
  const keys = addressKeys(o.monitors);
  const endpoint = (address: string): MonitorEndpoint => {
    const listed = o.monitors[keys.indexOf(address)];
    if (listed) return listed;
    const a = parseMonitorAddress(address);
    return { ...a, expectedName: a.host };
  };
  let sticky: MonitorEndpoint | undefined;
  const route = {
    answeredBy: undefined as string | undefined,
    async send(line: string): Promise<string> {
      if (sticky) return o.exchange(sticky, line);
      const tries: Try[] = [];
      const errors: unknown[] = [];
      for (;;) {
        const step = nextStep(keys, o.changesCluster, tries);
        if (step.kind === 'send') {
          try {
            tries.push({ address: step.address, via: step.via, outcome: 'reply', reply: await o.exchange(endpoint(step.address), line) });
          } catch (e) {
            if (!isUnreachable(e)) throw e;
            errors.push(e);
            tries.push({ address: step.address, via: step.via, outcome: 'unreachable', reason: describeUnreachable(e).reason });
          }
          continue;
        }
        if (step.kind === 'unreachable') {
          // One address: the error as it was before monitor HA (same words, same reasons).
          throw errors.length === 1 ? errors[0] : new MonitorsUnreachableError(step.failures);
        }
        sticky = endpoint(step.address);
        route.answeredBy = step.address;
        return step.reply;
      }
    },
  };
  return route;
}
