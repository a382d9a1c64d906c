// Control protocol (MMM 2.x): the client sends `<command line>\nquit\n`; the monitor answers bare text
// (no terminator) per command and closes after `quit`. Parsing mirrors Monitor.pm `_process_commands`:
// Perl `split(/\s+/, $line)` (a leading blank makes an empty command; trailing blanks vanish) and exact arity.
import { CONTROL_COMMANDS, type CommandInfo, type ControlCommandName } from './commands';
import { texts } from './control-texts';
import { HISTORY_DEFAULT_COUNT, HISTORY_MAX_COUNT } from '../render/history';

export const CONTROL_QUIT = 'quit';

export type ControlCommand =
  | { kind: 'help' }
  | { kind: 'ping' }
  | { kind: 'show' }
  /** `host` and `check` are 'all' when not given. */
  | { kind: 'checks'; host: string; check: string }
  | { kind: 'set_online'; host: string }
  | { kind: 'set_offline'; host: string }
  | { kind: 'move_role'; role: string; host: string; force: boolean }
  | { kind: 'set_ip'; ip: string; host: string }
  | { kind: 'mode' }
  | { kind: 'set_active' }
  | { kind: 'set_manual' }
  | { kind: 'set_passive' }
  | { kind: 'status_json' }
  | { kind: 'ack_failover' }
  /** The last `count` history entries (render/history.ts: 1 … HISTORY_MAX_COUNT, default HISTORY_DEFAULT_COUNT). */
  | { kind: 'history'; count: number }
  /** Ends the session (handled by the listener, not the command processor). */
  | { kind: 'quit' };

export type ControlCommandKind = ControlCommand['kind'];

/** Compile-time check: the command union and the catalog name the same commands (`quit` aside). */
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const CONTROL_COMMANDS_MATCH_CATALOG: SameKeys<Exclude<ControlCommandKind, 'quit'>, ControlCommandName> = true;

export type ControlParseResult =
  | { ok: true; command: ControlCommand }
  /** `reply` is MMM's exact answer: `Invalid command '<line>'\n\n` + help. */
  | { ok: false; reply: string };

/** Perl's split(/\s+/, $s): leading separator gives an empty first field, trailing empty fields are removed. */
function perlSplitWs(line: string): string[] {
  const parts = line.split(/\s+/);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

type Builders = {
  [K in ControlCommandName]: (args: string[]) => Extract<ControlCommand, { kind: K }> | undefined;
};

/** Arity is checked against the catalog first; a builder only shapes the arguments. */
const BUILD: Builders = {
  help: () => ({ kind: 'help' }),
  ping: () => ({ kind: 'ping' }),
  show: () => ({ kind: 'show' }),
  checks: ([host = 'all', check = 'all']) => ({ kind: 'checks', host, check }),
  set_online: ([host]) => ({ kind: 'set_online', host }),
  set_offline: ([host]) => ({ kind: 'set_offline', host }),
  mode: () => ({ kind: 'mode' }),
  set_active: () => ({ kind: 'set_active' }),
  set_manual: () => ({ kind: 'set_manual' }),
  set_passive: () => ({ kind: 'set_passive' }),
  // Like MMM, two arguments are always role and host, even if the first is `--force`.
  move_role: (a) =>
    a.length === 2
      ? { kind: 'move_role', role: a[0], host: a[1], force: false }
      : a[0] === '--force'
        ? { kind: 'move_role', role: a[1], host: a[2], force: true }
        : undefined,
  set_ip: ([ip, host]) => ({ kind: 'set_ip', ip, host }),
  status_json: () => ({ kind: 'status_json' }),
  ack_failover: () => ({ kind: 'ack_failover' }),
  history: ([n]) => {
    if (n === undefined) return { kind: 'history', count: HISTORY_DEFAULT_COUNT };
    const count = /^\d{1,6}$/.test(n) ? Number(n) : 0;
    return count >= 1 && count <= HISTORY_MAX_COUNT ? { kind: 'history', count } : undefined;
  },
};

export function isControlCommandName(name: string): name is ControlCommandName {
  return Object.hasOwn(CONTROL_COMMANDS, name);
}

/** Parses one control line (without `\n`). */
export function parseControlCommand(line: string): ControlParseResult {
  // The listener compares the chomped line with 'quit' exactly, before any splitting.
  if (line === CONTROL_QUIT) return { ok: true, command: { kind: 'quit' } };
  const [name = '', ...args] = perlSplitWs(line);
  if (isControlCommandName(name)) {
    const info: CommandInfo = CONTROL_COMMANDS[name];
    const command = args.length >= info.minArgs && args.length <= info.maxArgs ? BUILD[name](args) : undefined;
    if (command) return { ok: true, command };
  }
  return { ok: false, reply: texts.invalidCommand(line) };
}

/** The command line a client sends for `cmd` (without `\n`). */
export function encodeControlCommand(cmd: ControlCommand): string {
  switch (cmd.kind) {
    case 'checks': {
      // Trailing defaults are left out so the line reads as an operator would type it.
      if (cmd.check !== 'all') return `checks ${cmd.host} ${cmd.check}`;
      return cmd.host !== 'all' ? `checks ${cmd.host}` : 'checks';
    }
    case 'set_online':
    case 'set_offline':
      return `${cmd.kind} ${cmd.host}`;
    case 'move_role':
      return cmd.force ? `move_role --force ${cmd.role} ${cmd.host}` : `move_role ${cmd.role} ${cmd.host}`;
    case 'set_ip':
      return `set_ip ${cmd.ip} ${cmd.host}`;
    case 'history':
      return cmd.count === HISTORY_DEFAULT_COUNT ? 'history' : `history ${cmd.count}`;
    default:
      return cmd.kind;
  }
}

/** Bytes a client writes for one command: the line, then `quit` so the monitor answers and closes. */
export function controlRequest(line: string): string {
  if (/[\r\n]/.test(line)) throw new RangeError('A control command is one line');
  return `${line}\n${CONTROL_QUIT}\n`;
}
