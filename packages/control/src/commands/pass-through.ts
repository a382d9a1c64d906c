// Most commands send their line and print the monitor's reply unchanged.
import { encodeControlCommand } from '@mmm/common';
import { replyOutput } from './output';
import type { CommandRunner } from './types';

export function passThrough(extra: Pick<CommandRunner, 'note'> = {}): CommandRunner {
  return {
    ...extra,
    async run(cmd, ctx) {
      const line = encodeControlCommand(cmd);
      return replyOutput(line, await ctx.send(line), ctx.json);
    },
  };
}
