// `status_json` (our addition): the monitor's status document, validated against common's schema.
import { statusJsonOutput } from './output';
import type { CommandSpec } from './types';

export const statusJson: CommandSpec = {
  name: 'status_json',
  summary: 'show status as one JSON document (same as show --json)',
  args: '',
  async run(_cmd, ctx) {
    return statusJsonOutput(await ctx.send('status_json'));
  },
};
