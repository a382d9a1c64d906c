// Pure: the words after the options → the command to run, or MMM's `Invalid command` reply (exit 2),
// decided before any connection, with common's parser (so the text is exactly what the monitor says).
import { extractCluster, parseControlCommand, texts, type ControlCommand } from '@mmm/common';
import { findCommand } from './registry';
import { usageOutput } from './output';
import { EXIT } from './types';
import type { CommandOutput, CommandSpec } from './types';

export type Plan =
  | { kind: 'usage'; output: CommandOutput; cluster?: string }
  | { kind: 'run'; spec: CommandSpec; command: ControlCommand; line: string; cluster?: string };

/**
 * `words`: the positional arguments (`@C` first selects a cluster). `force`: commander took
 * `--force` out of the words; it belongs after the command name (`move_role --force <role> <host>`).
 */
export function planCommand(words: readonly string[], force = false): Plan {
  const { cluster, rest } = extractCluster(words);
  const parts = force ? [rest[0] ?? '', '--force', ...rest.slice(1)] : rest;
  const line = parts.join(' ');
  const c = cluster !== undefined ? { cluster } : {};
  // MMM's mmm_control without a command: a pointer to `help`, nothing sent.
  if (parts.length === 0) return { kind: 'usage', output: { stdout: '', stderr: "See 'mmm_control help' for usage information\n", exitCode: EXIT.USAGE }, ...c };
  const parsed = parseControlCommand(line);
  if (!parsed.ok) return { kind: 'usage', output: usageOutput(parsed.reply), ...c };
  const spec = parsed.command.kind === 'quit' ? undefined : findCommand(parsed.command.kind);
  if (!spec) return { kind: 'usage', output: usageOutput(texts.invalidCommand(line)), ...c };
  return { kind: 'run', spec, command: parsed.command, line, ...c };
}
