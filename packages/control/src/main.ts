// mmm_control entry point: the only place that touches argv, env and process.exit.
import { existsSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import {
  CONTROL_COMMANDS,
  ConfigError,
  clusterWithConfigError,
  secondsOption,
  MmmError,
  addCommonOptions,
  checkConfigReport,
  errorMessage,
  extractCluster,
  formatIssue,
  loadClientMaterial,
  loadTlsConf,
  mmmVersion,
  type Logger,
  type TlsResumption,
} from '@mmm/common';
import { exchange } from './client/exchange';
import { monitorRoute } from './client/route';
import { resolveSettings, type SettingsEnv } from './client/settings';
import { COMMANDS } from './commands/registry';
import { planCommand } from './commands/plan';
import { execute } from './commands/execute';
import { EXIT, type CommandOutput } from './commands/types';

interface Options {
  config?: string;
  checkConfig?: boolean;
  json?: boolean;
  monitor?: string[];
  timeout: number;
  wait: boolean;
  waitTimeout: number;
  force?: boolean;
}

function helpAfter(): string {
  const w = Math.max(...COMMANDS.map((c) => `${c.name} ${c.args}`.length));
  const cmds = COMMANDS.map((c) => `  ${`${c.name} ${c.args}`.padEnd(w)}  ${c.summary}`).join('\n');
  return `
Commands (MMM 2.x; the monitor's text is printed unchanged, lines added by mmm_control start with "# "):
${cmds}

Options may come before or after the command. @C as the first word selects cluster C (mmm_mon_C.conf).

Exit status:
  0  the monitor's reply does not start with ERROR
  1  the reply starts with ERROR; or --json output failed validation; or move_role's wait
     ended with the move aborted or not complete within --wait-timeout
  2  usage error (unknown command or option, wrong arguments: nothing is sent) or a settings
     problem (config, tls.conf, certificate files)
  3  the monitor cannot be reached, or its certificate is refused, or it refused ours
     ("ERROR: Can't connect to monitor daemon!" and a "# " line with the reason; with several
     monitor addresses: when none could be reached, a "# " line for each)
  A follower's refusal of a state change ("ERROR: Not the leader: ...") is an ERROR reply (1):
  printed when every monitor that answered refused it.

Settings (highest first):
  monitor address  --monitor HOST:PORT[,HOST:PORT...] (repeatable), env MMM_MONITOR (a list too),
                   <monitor> ip/port then monitor_addresses of the config. With several (monitor
                   HA): state changes go to the leader (a follower's refusal names it), reading
                   commands to the first monitor that answers
  TLS              tls.conf named by env MMM_TLSCONF_PATH (tls-ca-cert-file, tls-cert-file,
                   tls-key-file, tls-client-cert-file, tls-client-key-file), else the config's
                   socket block (client_cert_file/client_key_file, default cert_file/key_file)
  MMM_SECURE_SOCKETS=enforce|relaxed   tls_connect (relaxed: plain only if the monitor speaks only plain)
  The config (mmm_mon.conf, or -c FILE) is read when -c is given or something above is missing.
`;
}

function stderrLogger(): Logger {
  const log = (level: string) => (msg: string) => void process.stderr.write(`mmm_control: ${level}: ${msg}\n`);
  const l: Logger = { error: log('error'), warn: log('warning'), info: () => {}, debug: () => {}, child: () => l, reopen: () => {} };
  return l;
}

function checkConfigOutput(o: Options, cluster: string | undefined, env: SettingsEnv): CommandOutput {
  const out: string[] = [];
  const err: string[] = [];
  let failed = false;
  if (env.MMM_TLSCONF_PATH) {
    try {
      const t = loadTlsConf(env.MMM_TLSCONF_PATH);
      for (const f of [t.caCertFile, t.certFile, t.keyFile, t.clientCertFile, t.clientKeyFile]) {
        if (f !== undefined && !existsSync(f)) {
          out.push(`${t.file}:0: ${f} does not exist (create it (mmm_tls issue) or fix the path)`);
          failed = true;
        }
      }
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      out.push(...e.issues.map(formatIssue));
      failed = true;
    }
  }
  if (o.config !== undefined || !env.MMM_TLSCONF_PATH || (!o.monitor && !env.MMM_MONITOR)) {
    const r = checkConfigReport({ program: 'control', ...(o.config !== undefined ? { file: o.config } : {}), ...(cluster ? { cluster } : {}) });
    if (r.exitCode !== 0) {
      out.push(...r.out);
      failed = true;
    } else err.push(...r.err);
  }
  return failed
    ? { stdout: `${out.join('\n')}\n`, stderr: err.map((l) => `${l}\n`).join(''), exitCode: 1 }
    : { stdout: 'OK\n', stderr: err.map((l) => `${l}\n`).join(''), exitCode: 0 };
}

async function main(argv: string[], env: SettingsEnv): Promise<CommandOutput> {
  let stdout = '';
  let stderr = '';
  const program = new Command('mmm_control')
    .usage('[-c FILE] [@cluster] <command> [args] [--json]')
    .description('Operate an mmm (MySQL Multi-Master Replication Manager) monitor over mutual TLS.')
    .argument('[command...]', 'the command and its arguments');
  addCommonOptions(program, { daemon: false });
  program
    .option('--json', "print the monitor's status_json document (show, status_json), its history document (history) or {command, ok, reply}, validated")
    .option('--monitor <host:port>', 'monitor address; repeatable, or a comma-separated list (default: <monitor> ip/port and monitor_addresses of the config; env MMM_MONITOR)', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--timeout <seconds>', 'bound for connecting and for each reply', secondsOption, 10)
    .option('--no-wait', 'move_role: do not wait for a writer move to complete')
    .option('--wait-timeout <seconds>', 'move_role: bound for the wait', secondsOption, 60)
    .option('--force', 'move_role --force <role> <host> (see help)')
    .version(mmmVersion(), '-V, --version')
    .addHelpText('after', helpAfter())
    .exitOverride()
    .configureOutput({ writeOut: (s) => void (stdout += s), writeErr: (s) => void (stderr += s) });
  try {
    program.parse(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      const ok = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0;
      return { stdout, stderr, exitCode: ok ? EXIT.OK : EXIT.USAGE };
    }
    throw e;
  }
  const o = program.opts<Options>();
  const words = program.args;

  const conflict = clusterWithConfigError(extractCluster(words).cluster, o.config);
  if (conflict) return { stdout: '', stderr: `mmm_control: ${conflict}\n`, exitCode: EXIT.USAGE };
  if (o.checkConfig) return checkConfigOutput(o, extractCluster(words).cluster, env);

  const plan = planCommand(words, o.force === true);
  if (plan.kind === 'usage') return plan.output;
  const ctxBase = {
    json: o.json === true,
    wait: o.wait,
    waitTimeoutMs: o.waitTimeout * 1000,
    pollIntervalMs: 200,
    now: () => Date.now(),
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
  };
  if (plan.spec.local) {
    return execute(plan.spec, plan.command, plan.line, { ...ctxBase, send: () => Promise.reject(new Error('local command')) });
  }

  let route;
  try {
    const s = resolveSettings({ ...(o.config !== undefined ? { configFile: o.config } : {}), ...(plan.cluster ? { cluster: plan.cluster } : {}), ...(o.monitor !== undefined ? { monitor: o.monitor } : {}), env });
    const material = await loadClientMaterial(s.socket);
    const base = { socket: s.socket, ...(material ? { material } : {}), timeoutMs: o.timeout * 1000, logger: stderrLogger() };
    // One TLS session store per monitor: a session resumes only with the monitor that issued it.
    const sessions = new Map<string, { last?: TlsResumption }>();
    const tlsOf = (key: string) => sessions.get(key) ?? sessions.set(key, {}).get(key)!;
    route = monitorRoute({
      monitors: s.monitors,
      changesCluster: CONTROL_COMMANDS[plan.spec.name].changesCluster,
      exchange: (m, line) => exchange({ ...base, host: m.host, port: m.port, expectedName: m.expectedName, tls: tlsOf(`${m.host} ${m.port}`) }, line),
    });
  } catch (e) {
    if (e instanceof ConfigError) return { stdout: '', stderr: `${e.issues.map(formatIssue).join('\n')}\n`, exitCode: EXIT.USAGE };
    if (e instanceof MmmError) return { stdout: '', stderr: `mmm_control: ${e.message}\n`, exitCode: EXIT.USAGE };
    throw e;
  }
  const r = route;
  return execute(plan.spec, plan.command, plan.line, { ...ctxBase, send: (line) => r.send(line) });
}

export function run(): void {
  const env: SettingsEnv = {
    MMM_TLSCONF_PATH: process.env.MMM_TLSCONF_PATH,
    MMM_SECURE_SOCKETS: process.env.MMM_SECURE_SOCKETS,
    MMM_MONITOR: process.env.MMM_MONITOR,
  };
  main(process.argv, env)
    .catch((e: unknown): CommandOutput => {
      if (e instanceof MmmError && e.code === 'TLS_MATERIAL') return { stdout: '', stderr: `mmm_control: ${e.message}\n`, exitCode: EXIT.USAGE };
      return { stdout: '', stderr: `mmm_control: internal error: ${e instanceof Error ? (e.stack ?? e.message) : errorMessage(e)}\n`, exitCode: EXIT.ERROR_REPLY };
    })
    .then((out) => {
      if (out.stderr) process.stderr.write(out.stderr);
      process.stdout.write(out.stdout, () => process.exit(out.exitCode));
    });
}
