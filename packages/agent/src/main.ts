// mmmd_agent entry point: the shared daemon start-up (common runDaemon) around an Agent.
import { EXIT, type MmmConfig, type OneShotResult, errorMessage, runDaemon } from '@mmm/common';
import { Agent } from './agent';
import { defaultTermFile, resetTermFile } from './term/index';

/** `--reset-term`: forget the monitor-HA term (a rollback to a monitor without HA, docs/upgrade.md). */
function resetTerm(config: MmmConfig, cluster: string | undefined): OneShotResult {
  const host = config.this !== undefined ? config.hosts[config.this] : undefined;
  if (!host) return { out: [], err: [`mmmd_agent --reset-term: 'this' does not name a host`], exitCode: EXIT.ERROR_REPLY };
  const file = host.termFile ?? defaultTermFile(host.name, cluster);
  try {
    const r = resetTermFile(file);
    if (!r.removed) return { out: [`no term file at ${file}: nothing to remove; this agent has no term`], err: [], exitCode: EXIT.OK };
    const held = r.held ? `it held term ${r.held.term} of monitor ${r.held.monitor}` : `it was malformed: ${r.malformed ?? '?'}`;
    return {
      out: [`removed the term file ${file} (${held}): once started, this agent takes state changes from term-less monitor connections again, until a monitor sends SET_TERM`],
      err: [],
      exitCode: EXIT.OK,
    };
  } catch (e) {
    return { out: [], err: [`mmmd_agent --reset-term: ${errorMessage(e)}`], exitCode: EXIT.ERROR_REPLY };
  }
}

export function run(): void {
  runDaemon<{ resetTerm?: boolean }>({
    name: 'mmmd_agent',
    program: 'agent',
    description:
      'The mmm agent: runs on every database node and applies the state the monitor asks for ' +
      '(read_only, virtual IPs, replication source). Listens on its host ip:agent_port (mutual TLS).',
    options(cmd) {
      cmd.option('--reset-term', "remove this agent's monitor-HA term file (term_file) and exit: for a rollback to a monitor without HA (refused while a live agent holds pid_path)");
    },
    oneShot: async (config, o) => (o.resetTerm ? resetTerm(config, o.cluster) : undefined),
    create(config, logger, o) {
      const agent = new Agent({ config, logger, bindRetryMs: o.bindRetry * 1000, ...(o.cluster !== undefined ? { cluster: o.cluster } : {}) });
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
