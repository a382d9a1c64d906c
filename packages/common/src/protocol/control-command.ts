// Control protocol (MMM 2.x): the client sends `<command line>\nquit\n`; the monitor answers bare text
// (no terminator) per command and closes after `quit`. Parsing mirrors Monitor.pm `_process_commands`:
// Perl `split(/\s+/, $line)` (a leading blank makes an empty command; trailing blanks vanish) and exact arity.
import { texts } from './control-texts';

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
  /** Ends the session (handled by the listener, not the command processor). */
  | { kind: 'quit' };

export type ControlCommandKind = ControlCommand['kind'];

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

/** Parses one control line (without `\n`). */
export function parseControlCommand(line: string): ControlParseResult {
  // The listener compares the chomped line with 'quit' exactly, before any splitting.
  if (line === CONTROL_QUIT) return { ok: true, command: { kind: 'quit' } };
  const [name = '', ...args] = perlSplitWs(line);
  const n = args.length;
  const ok = (command: ControlCommand): ControlParseResult => ({ ok: true, command });
  switch (name) {
    case 'help':
    case 'ping':
    case 'show':
    case 'mode':
    case 'set_active':
    case 'set_manual':
    case 'set_passive':
    case 'status_json':
      if (n === 0) return ok({ kind: name });
      break;
    case 'checks':
      if (n <= 2) return ok({ kind: 'checks', host: args[0] ?? 'all', check: args[1] ?? 'all' });
      break;
    case 'set_online':
    case 'set_offline':
      if (n === 1) return ok({ kind: name, host: args[0] });
      break;
    case 'move_role':
      // Like MMM, two arguments are always role and host, even if the first is `--force`.
      if (n === 2) return ok({ kind: 'move_role', role: args[0], host: args[1], force: false });
      if (n === 3 && args[0] === '--force') return ok({ kind: 'move_role', role: args[1], host: args[2], force: true });
      break;
    case 'set_ip':
      if (n === 2) return ok({ kind: 'set_ip', ip: args[0], host: args[1] });
      break;
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
    default:
      return cmd.kind;
  }
}

/** Bytes a client writes for one command: the line, then `quit` so the monitor answers and closes. */
export function controlRequest(line: string): string {
  if (/[\r\n]/.test(line)) throw new RangeError('A control command is one line');
  return `${line}\n${CONTROL_QUIT}\n`;
}
