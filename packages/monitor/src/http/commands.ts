// The API's changes as control commands (pure): a route and its JSON body become the very
// command the control port would run (so the same transition and the same reply text), and
// that reply becomes an HTTP status. Bad input is refused before anything runs.
import { type ControlCommand, texts } from '@mmm/common/pure';
import type { Route } from './routes';

export type ChangeCommand = Extract<ControlCommand, { kind: 'set_online' | 'set_offline' | 'move_role' | 'set_active' | 'set_manual' | 'set_passive' }>;

export type CommandRequest = { ok: true; command: ChangeCommand } | { ok: false; message: string };

const MODE_COMMANDS: ReadonlyMap<string, ChangeCommand> = new Map([
  ['active', { kind: 'set_active' }],
  ['manual', { kind: 'set_manual' }],
  ['passive', { kind: 'set_passive' }],
]);

type Body = Record<string, unknown>;

function unknownKeys(body: Body, allowed: readonly string[]): string | undefined {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  return extra.length > 0 ? `unknown key${extra.length > 1 ? 's' : ''} ${extra.join(', ')} (allowed: ${allowed.join(', ') || 'none'})` : undefined;
}

/**
 * The command of a change route. `body` is the parsed JSON (undefined: no body). Host and role
 * names are not checked here: the transition answers an unknown one with MMM's text (404).
 */
export function commandOf(route: Route, body: unknown): CommandRequest {
  const b: Body | undefined = body === undefined ? undefined : typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Body) : undefined;
  if (body !== undefined && b === undefined) return { ok: false, message: 'the body must be a JSON object' };
  switch (route.name) {
    case 'host_state': {
      const bad = b && unknownKeys(b, []);
      if (bad) return { ok: false, message: bad };
      return { ok: true, command: { kind: route.to === 'online' ? 'set_online' : 'set_offline', host: route.host } };
    }
    case 'move_role': {
      if (!b) return { ok: false, message: 'a JSON body {"host": "<host>", "force": false} is required' };
      const bad = unknownKeys(b, ['host', 'force']);
      if (bad) return { ok: false, message: bad };
      if (typeof b.host !== 'string' || b.host === '') return { ok: false, message: 'host must be a non-empty string' };
      if (b.force !== undefined && typeof b.force !== 'boolean') return { ok: false, message: 'force must be true or false' };
      return { ok: true, command: { kind: 'move_role', role: route.role, host: b.host, force: b.force === true } };
    }
    case 'mode': {
      if (!b) return { ok: false, message: 'a JSON body {"mode": "active|manual|passive"} is required' };
      const bad = unknownKeys(b, ['mode']);
      if (bad) return { ok: false, message: bad };
      const cmd = typeof b.mode === 'string' ? MODE_COMMANDS.get(b.mode.toLowerCase()) : undefined;
      if (!cmd) return { ok: false, message: `mode must be active, manual or passive, not ${JSON.stringify(b.mode ?? null)}` };
      return { ok: true, command: cmd };
    }
    default:
      return { ok: false, message: `${route.name} is not a change` };
  }
}

/**
 * The HTTP status of a command's reply: 200 for MMM's `OK:` (also "already ONLINE. Skipping"),
 * 404 when the reply says the host or role is unknown, 409 for every other refusal (the state,
 * the mode or the checks do not allow it now).
 */
export function statusOfReply(cmd: ChangeCommand, reply: string): 200 | 404 | 409 {
  if (reply.startsWith('OK')) return 200;
  if ('host' in cmd && reply === texts.unknownHost(cmd.host)) return 404;
  if (cmd.kind === 'move_role' && reply === texts.unknownRole(cmd.role)) return 404;
  return 409;
}
