// `show`: MMM's text unchanged, then mmm_control's `# ` lines from status_json (per host lag and last
// state change, why each role is where it is, the last move). `--json`: the status document.
import { errorMessage, renderShowExtra } from '@mmm/common';
import { describeUnreachable } from '../client/reasons';
import { statusDocumentOf, statusJsonOutput, textOutput } from './output';
import type { CommandContext, CommandRunner } from './types';

/** The extra lines, or one `# ` line saying why there are none. Never fails the command. */
export async function showExtra(ctx: CommandContext, shown = ''): Promise<string> {
  let reply: string;
  try {
    reply = await ctx.send('status_json');
  } catch (e) {
    return `# No details: ${describeUnreachable(e).reason}\n`;
  }
  const { doc, problems } = statusDocumentOf(reply);
  if (!doc) return `# No details: status_json is not valid (${problems[0] ?? 'unknown problem'})\n`;
  try {
    // Our monitor already prints its warnings in `show`; don't repeat them.
    const warnings = doc.warnings.filter((w) => !shown.includes(`# Warning: ${w.replace(/\r?\n/g, ' ')}\n`));
    return renderShowExtra({ ...doc, warnings }, ctx.time ?? {});
  } catch (e) {
    return `# No details: ${errorMessage(e)}\n`;
  }
}

export const show: CommandRunner = {
  async run(_cmd, ctx) {
    if (ctx.json) return statusJsonOutput(await ctx.send('status_json'));
    const reply = await ctx.send('show');
    if (reply.startsWith('ERROR')) return textOutput(reply);
    return textOutput(reply, await showExtra(ctx, reply));
  },
};
