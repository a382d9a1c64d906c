// `ack_failover` (ours): acknowledge the last automatic failover, so the next writer failure
// fails over automatically again before failover_cooldown has passed.
import { encodeControlCommand } from '@mmm/common';
import { jsonOutput, textOutput } from './output';
import type { CommandRunner } from './types';
import { EXIT } from './types';

/** An MMM 2.x monitor does not know the command: it answers with its help, which is no success. */
const UNKNOWN = /^Invalid command /;

export const ackFailover: CommandRunner = {
  async run(cmd, ctx) {
    const line = encodeControlCommand(cmd);
    const reply = await ctx.send(line);
    const ok = !/^error/i.test(reply) && !UNKNOWN.test(reply);
    const exitCode = ok ? EXIT.OK : EXIT.ERROR_REPLY;
    return ctx.json ? jsonOutput({ command: line, ok, reply }, exitCode) : textOutput(reply, '', exitCode);
  },
};
