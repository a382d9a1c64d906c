// mmmd_agent entry point: the only place that touches argv and process.exit.
import { Command } from 'commander';
import { mmmVersion } from '@mmm/common';

export function run(): void {
  const program = new Command('mmmd_agent').version(mmmVersion());
  program.parse(process.argv);
}
