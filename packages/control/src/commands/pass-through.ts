// Most commands send their line and print the monitor's reply unchanged.
import { encodeControlCommand } from '@mmm/common';
import { replyOutput } from './output';
import type { CommandSpec } from './types';

export function passThrough(name: CommandSpec['name'], summary: string, args = ''): CommandSpec {
  return {
    name,
    summary,
    args,
    async run(cmd, ctx) {
      const line = encodeControlCommand(cmd);
      return replyOutput(line, await ctx.send(line), ctx.json);
    },
  };
}
