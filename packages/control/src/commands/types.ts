// A command of mmm_control: what it is called, its arguments, and how it runs against the monitor.
import type { ControlCommand, ControlCommandName, ExitCode, TimeOptions } from '@mmm/common';

/** The one table of every tool (common exit-codes.ts): 0 OK, 1 ERROR reply or failed move, 2 usage/settings, 3 monitor unreachable. */
export { EXIT, type ExitCode } from '@mmm/common';

export interface CommandOutput {
  stdout: string;
  stderr: string;
  exitCode: ExitCode;
}

/** What a command may use: the monitor (one exchange per call) and time. Injected, so runs are testable. */
export interface CommandContext {
  /** One control exchange; rejects with ConnectError/TlsError when the monitor cannot be reached. */
  send(line: string): Promise<string>;
  json: boolean;
  /** move_role: wait for the move to complete (false with --no-wait). */
  wait: boolean;
  waitTimeoutMs: number;
  pollIntervalMs: number;
  now(): number;
  sleep(ms: number): Promise<void>;
  time?: TimeOptions;
}

/** How mmm_control runs one catalog command; name, synopsis and summary come from the catalog. */
export interface CommandRunner {
  /** Added to the catalog's summary in mmm_control's --help, e.g. `(passive mode only)`. */
  note?: string;
  /** True when the command needs no monitor (help). */
  local?: boolean;
  run(cmd: ControlCommand, ctx: CommandContext): Promise<CommandOutput>;
}

/** A runner joined with its catalog entry (common protocol/commands.ts). */
export interface CommandSpec extends CommandRunner {
  name: ControlCommandName;
  summary: string;
  /** e.g. `[<host>|all [<check>|all]]`. */
  args: string;
}
