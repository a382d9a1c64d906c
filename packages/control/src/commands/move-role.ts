// `move_role [--force] <role> <host>`: MMM's reply; for the active master role (the writer) it then
// follows status_json until the role is on <host> and the move is done or aborted (bounded by
// --wait-timeout; --no-wait skips), and reports the time taken in a `# ` line.
import { encodeControlCommand, formatDuration, renderMoveExtra, type MoveStatus, type StatusDocument } from '@mmm/common';
import { describeUnreachable } from '../client/reasons';
import { jsonOutput, replyExitCode, resultOf, statusDocumentOf, textOutput } from './output';
import { EXIT, type CommandContext, type CommandRunner, type ExitCode } from './types';

export type MoveProgress =
  | { kind: 'no_wait'; why: string } // not the writer, unknown role: nothing to follow
  | { kind: 'running'; move: MoveStatus | null }
  | { kind: 'done'; move: MoveStatus | null }
  | { kind: 'aborted'; move: MoveStatus };

/** An MMM 2.x monitor answers `Invalid command 'status_json'`: it moved the role (its OK said so) but cannot be followed. */
export const LEGACY_MONITOR_REPLY = /^Invalid command 'status_json'/;

/** Pure: where a move of `role` to `host` stands in a status document. */
export function moveProgress(doc: StatusDocument, role: string, host: string): MoveProgress {
  const r = doc.roles.find((x) => x.name === role);
  if (!r) return { kind: 'no_wait', why: `role ${role} is not in the status document` };
  if (!r.activeMaster) return { kind: 'no_wait', why: `role ${role} is not the active master role` };
  const m = doc.lastMove && doc.lastMove.role === role && doc.lastMove.to === host ? doc.lastMove : null;
  if (m?.outcome === 'aborted') return { kind: 'aborted', move: m };
  const onTarget = r.ips.length > 0 && r.ips.every((i) => i.assignedTo === host);
  // A monitor that does not report moves (lastMove null) is done when the role is there.
  if (onTarget && (m === null ? doc.lastMove?.outcome !== 'running' : m.outcome === 'done')) return { kind: 'done', move: m };
  return { kind: 'running', move: m };
}

/** Pure: the `# ` line(s) and exit status for how the wait ended. */
export function moveReport(
  p: MoveProgress | { kind: 'timeout'; move: MoveStatus | null } | { kind: 'lost'; why: string } | { kind: 'legacy' },
  role: string,
  host: string,
  waitedMs: number,
): { extra: string; exitCode: ExitCode } {
  switch (p.kind) {
    case 'no_wait':
      return { extra: '', exitCode: EXIT.OK };
    case 'done':
      return {
        extra: p.move
          ? renderMoveExtra(p.move)
          : `# Role ${role} is on ${host}; the move took ${formatDuration(waitedMs)} as seen from here\n`,
        exitCode: EXIT.OK,
      };
    case 'aborted':
      return { extra: renderMoveExtra(p.move), exitCode: EXIT.ERROR_REPLY };
    case 'timeout':
      return {
        extra: `# Move of role ${role} to ${host} not complete after ${formatDuration(waitedMs)}${p.move ? `: ${renderMoveExtra(p.move).slice(2).trim()}` : ''}\n`,
        exitCode: EXIT.ERROR_REPLY,
      };
    case 'legacy':
      // MMM's mmm_control exits 0 on its OK; its monitor has no status_json to follow the move with
      return { extra: `# Not followed: the monitor does not know status_json (an MMM 2.x monitor?); its OK is all it reports\n`, exitCode: EXIT.OK };
    case 'lost':
      return { extra: `# Could not follow the move of role ${role} to ${host}: ${p.why}\n`, exitCode: EXIT.UNREACHABLE };
    case 'running':
      return { extra: '', exitCode: EXIT.OK };
  }
}

async function follow(ctx: CommandContext, role: string, host: string) {
  const start = ctx.now();
  for (;;) {
    let reply: string;
    try {
      reply = await ctx.send('status_json');
    } catch (e) {
      return { progress: { kind: 'lost' as const, why: describeUnreachable(e).reason }, waitedMs: ctx.now() - start };
    }
    if (LEGACY_MONITOR_REPLY.test(reply)) return { progress: { kind: 'legacy' as const }, waitedMs: ctx.now() - start };
    const { doc, problems } = statusDocumentOf(reply);
    if (!doc) return { progress: { kind: 'lost' as const, why: problems[0] ?? 'invalid status_json' }, waitedMs: ctx.now() - start };
    const p = moveProgress(doc, role, host);
    const waitedMs = ctx.now() - start;
    if (p.kind !== 'running') return { progress: p, waitedMs };
    if (waitedMs >= ctx.waitTimeoutMs) return { progress: { kind: 'timeout' as const, move: p.move }, waitedMs };
    await ctx.sleep(ctx.pollIntervalMs);
  }
}

export const moveRole: CommandRunner = {
  note: '; waits for a writer move to complete',
  async run(cmd, ctx) {
    if (cmd.kind !== 'move_role') throw new TypeError('move_role spec run with another command');
    const line = encodeControlCommand(cmd);
    const reply = await ctx.send(line);
    const moved = /^OK: Role '.*' has been moved from /.test(reply);
    if (replyExitCode(reply) !== EXIT.OK || !moved || !ctx.wait) {
      return ctx.json ? jsonOutput(resultOf(line, reply)) : textOutput(reply);
    }
    const { progress, waitedMs } = await follow(ctx, cmd.role, cmd.host);
    const report = moveReport(progress, cmd.role, cmd.host, waitedMs);
    if (ctx.json) {
      const move = 'move' in progress ? progress.move : null;
      return jsonOutput({ ...resultOf(line, reply), wait: progress.kind, waitedMs, move }, report.exitCode);
    }
    return textOutput(reply, report.extra, report.exitCode);
  },
};
