// mmmd_agent entry point: the shared daemon start-up (common runDaemon) around an Agent.
import { errorMessage, runDaemon } from '@mmm/common';
import { Agent } from './agent';

export function run(): void {
  runDaemon({
    name: 'mmmd_agent',
    program: 'agent',
    description:
      'The mmm agent: runs on every database node and applies the state the monitor asks for ' +
      '(read_only, virtual IPs, replication source). Listens on its host ip:agent_port (mutual TLS).',
    create(config, logger, o) {
      const agent = new Agent({ config, logger, bindRetryMs: o.bindRetry * 1000 });
      return {
        start: () => agent.start(),
        stop: () => agent.stop(),
        reloadTls: () =>
          agent.reloadTls().then(
            () => logger.info('SIGHUP: TLS material reloaded'),
            (e) => logger.error(`SIGHUP: TLS reload refused, keeping the old material: ${errorMessage(e)}`),
          ),
      };
    },
  });
}
