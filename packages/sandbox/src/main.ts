// mmm_sandbox entry point: the only place that touches argv and process.exit.
import { Command } from 'commander';
import { mmmVersion } from '@mmm/common';

export function run(): void {
  const program = new Command('mmm_sandbox')
    .description('A local mmm cluster of real MariaDB servers, agents and a monitor, all on mutual TLS')
    .version(mmmVersion());
  program.parse(process.argv);
}
