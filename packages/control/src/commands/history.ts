// `history [N]` (ours): the monitor's last N finished failovers, switchovers, state changes and
// blocked decisions (common render/history.ts), as text or, with --json, the validated document.
// An MMM 2.x monitor does not know the command (it answers `Invalid command` and its help): exit 1.
import { encodeControlCommand, parseHistoryJson, renderHistory } from '@mmm/common';
import { invalidJsonOutput, textOutput } from './output';
import type { CommandRunner } from './types';
import { EXIT } from './types';

export const history: CommandRunner = {
  async run(cmd, ctx) {
    const line = encodeControlCommand(cmd);
    const reply = await ctx.send(line);
    if (reply.startsWith('Invalid command')) {
      return { stdout: '', stderr: 'mmm_control: the monitor does not know history (an MMM 2.x monitor?)\n', exitCode: EXIT.ERROR_REPLY };
    }
    if (/^error/i.test(reply)) return textOutput(reply); // e.g. a certificate with no rights at all
    const { doc, problems } = parseHistoryJson(reply);
    if (!doc) return invalidJsonOutput("the monitor's history", problems);
    if (ctx.json) return { stdout: `${JSON.stringify(doc, null, 2)}\n`, stderr: '', exitCode: EXIT.OK };
    return { stdout: renderHistory(doc, ctx.time ?? {}), stderr: '', exitCode: EXIT.OK };
  },
};
