// Pure output rules shared by every command: MMM's reply printed unchanged plus "\n" (as MMM's
// mmm_control did), exit status from the reply, and the `--json` result shape.
import { parseStatusJson, texts, type StatusDocument } from '@mmm/common';
import { EXIT, type CommandOutput, type ExitCode } from './types';

/** 1 for a reply starting with `ERROR` (MMM also writes `Error:` once; counted too), else 0. */
export function replyExitCode(reply: string): ExitCode {
  return /^error/i.test(reply) ? EXIT.ERROR_REPLY : EXIT.OK;
}

/** MMM's text + "\n", then mmm_control's own `# ` lines. */
export function textOutput(reply: string, extra = '', exitCode: ExitCode = replyExitCode(reply)): CommandOutput {
  return { stdout: `${reply}\n${extra}`, stderr: '', exitCode };
}

/** `--json` for commands other than show/status_json. Extra keys (move) may be added. */
export interface CommandResult {
  command: string;
  ok: boolean;
  reply: string;
  [extra: string]: unknown;
}

/** Problems with a CommandResult (empty: valid). */
export function validateCommandResult(x: unknown): string[] {
  const p: string[] = [];
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return ['$: expected an object'];
  const o = x as Record<string, unknown>;
  if (typeof o.command !== 'string' || o.command === '') p.push('$.command: expected a non-empty string');
  if (typeof o.ok !== 'boolean') p.push('$.ok: expected true or false');
  if (typeof o.reply !== 'string') p.push('$.reply: expected a string');
  return p;
}

export function invalidJsonOutput(what: string, problems: string[]): CommandOutput {
  return {
    stdout: '',
    stderr: `mmm_control: ${what} is not valid:\n${problems.map((x) => `  ${x}\n`).join('')}`,
    exitCode: EXIT.ERROR_REPLY,
  };
}

export function jsonOutput(result: CommandResult, exitCode: ExitCode = result.ok ? EXIT.OK : EXIT.ERROR_REPLY): CommandOutput {
  const problems = validateCommandResult(result);
  if (problems.length > 0) return invalidJsonOutput('the command result', problems);
  return { stdout: `${JSON.stringify(result, null, 2)}\n`, stderr: '', exitCode };
}

export function resultOf(command: string, reply: string): CommandResult {
  return { command, ok: replyExitCode(reply) === EXIT.OK, reply };
}

/** A reply as text, or as `{command, ok, reply}` with --json. */
export function replyOutput(command: string, reply: string, json: boolean): CommandOutput {
  return json ? jsonOutput(resultOf(command, reply)) : textOutput(reply);
}

/** The validated status document, or why not (an MMM monitor answers `Invalid command 'status_json'`). */
export function statusDocumentOf(reply: string): { doc?: StatusDocument; problems: string[] } {
  if (reply.startsWith('Invalid command')) return { problems: ['$: the monitor does not know status_json (an MMM 2.x monitor?)'] };
  return parseStatusJson(reply);
}

export function statusJsonOutput(reply: string): CommandOutput {
  const { doc, problems } = statusDocumentOf(reply);
  if (!doc) return invalidJsonOutput("the monitor's status_json", problems);
  return { stdout: `${JSON.stringify(doc, null, 2)}\n`, stderr: '', exitCode: EXIT.OK };
}

/** MMM's words when the monitor is unreachable, then the reason as a `# ` line (or JSON with --json). */
export function unreachableOutput(command: string, reason: string, json: boolean): CommandOutput {
  return unreachableManyOutput(command, [{ reason }], json);
}

/**
 * The same for several monitor addresses, none reached: a `# ADDRESS: reason` line for each; with
 * --json, `reason` joins them and `failures` lists `{address, reason}`.
 */
export function unreachableManyOutput(command: string, failures: readonly { address?: string; reason: string }[], json: boolean): CommandOutput {
  const reply = texts.cantConnect();
  const lines = failures.map((f) => (f.address === undefined ? f.reason : `${f.address}: ${f.reason}`));
  if (json) {
    const many = failures.length > 1 || failures.some((f) => f.address !== undefined);
    const doc = { command, ok: false, reply, reason: lines.join('; '), ...(many ? { failures } : {}) };
    return { stdout: `${JSON.stringify(doc, null, 2)}\n`, stderr: '', exitCode: EXIT.UNREACHABLE };
  }
  return { stdout: `${reply}\n${lines.map((r) => `# ${r.replace(/\r?\n/g, ' ')}\n`).join('')}`, stderr: '', exitCode: EXIT.UNREACHABLE };
}

/** A line refused locally: MMM's `Invalid command '<line>'` + help, printed as mmm_control printed it. */
export function usageOutput(reply: string): CommandOutput {
  return { stdout: `${reply}\n`, stderr: '', exitCode: EXIT.USAGE };
}
