// Runs one command; a monitor that cannot be reached (or whose certificate is refused, or that
// refuses ours) becomes MMM's "Can't connect" text plus the reason, exit 3. With several monitor
// addresses and none reached: a `# ` line per address and a one-line note on stderr.
import type { ControlCommand } from '@mmm/common';
import { describeUnreachable, isUnreachable } from '../client/reasons';
import { MonitorsUnreachableError } from '../client/route';
import { unreachableManyOutput, unreachableOutput } from './output';
import type { CommandContext, CommandOutput, CommandSpec } from './types';

export { isUnreachable } from '../client/reasons';

export async function execute(spec: CommandSpec, cmd: ControlCommand, line: string, ctx: CommandContext): Promise<CommandOutput> {
  try {
    return await spec.run(cmd, ctx);
  } catch (e) {
    if (e instanceof MonitorsUnreachableError) {
      const out = unreachableManyOutput(line, e.failures, ctx.json);
      const note = `mmm_control: none of the ${e.failures.length} monitor addresses answered (${e.failures.map((f) => f.address).join(', ')})\n`;
      return { ...out, stderr: note };
    }
    if (isUnreachable(e)) return unreachableOutput(line, describeUnreachable(e).reason, ctx.json);
    throw e;
  }
}
