// Runs one command; a monitor that cannot be reached (or whose certificate is refused, or that
// refuses ours) becomes MMM's "Can't connect" text plus the reason, exit 3.
import { ConnectError, TimeoutError, TlsError, type ControlCommand } from '@mmm/common';
import { describeUnreachable } from '../client/reasons';
import { unreachableOutput } from './output';
import type { CommandContext, CommandOutput, CommandSpec } from './types';

export function isUnreachable(e: unknown): boolean {
  if (e instanceof TlsError) return e.code === 'TLS_AUTH_FAILED' || e.code === 'TLS_IDENTITY' || e.code === 'TLS_ROLE';
  return e instanceof ConnectError || e instanceof TimeoutError;
}

export async function execute(spec: CommandSpec, cmd: ControlCommand, line: string, ctx: CommandContext): Promise<CommandOutput> {
  try {
    return await spec.run(cmd, ctx);
  } catch (e) {
    if (isUnreachable(e)) return unreachableOutput(line, describeUnreachable(e).reason, ctx.json);
    throw e;
  }
}
