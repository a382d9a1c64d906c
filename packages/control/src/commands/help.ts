// `help`: MMM's help text (the same text the monitor answers), printed without asking the monitor.
import { HELP_TEXT } from '@mmm/common';
import { jsonOutput, textOutput } from './output';
import type { CommandRunner } from './types';

export const help: CommandRunner = {
  local: true,
  async run(_cmd, ctx) {
    return ctx.json ? jsonOutput({ command: 'help', ok: true, reply: HELP_TEXT }) : textOutput(HELP_TEXT);
  },
};
