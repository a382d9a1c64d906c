// `status_json` (our addition): the monitor's status document, validated against common's schema.
import { statusJsonOutput } from './output';
import type { CommandRunner } from './types';

export const statusJson: CommandRunner = {
  note: '(same as show --json)',
  async run(_cmd, ctx) {
    return statusJsonOutput(await ctx.send('status_json'));
  },
};
