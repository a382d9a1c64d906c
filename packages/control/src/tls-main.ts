// mmm_tls entry point: the only place that touches argv and process.exit.
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { EXIT, MmmError, errorMessage, mmmVersion, secondsOption } from '@mmm/common';
import { checkGrants } from './grants';
import { formatFinding, initCa, issue, issueCrl, showLines, verify } from './tls';

function positiveInt(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

/** A file named on the command line, or a clear error (never a stack trace). */
function readArgFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new MmmError('TLS_MATERIAL', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`);
  }
}

const collect = (v: string, acc: string[]): string[] => [...acc, v];

function print(lines: string[]): void {
  for (const l of lines) process.stdout.write(`${l}\n`);
}

function program(setExit: (code: number) => void): Command {
  const cmd = new Command('mmm_tls')
    .usage('<command> [options]')
    .description(
      'Make and check mmm certificates: a CA (kept on an admin machine), node, monitor and operator ' +
        'certificates with the right EKU and role, and `verify` for a config\'s TLS set-up; ' +
        '`grants` checks the MySQL accounts a config names.',
    )
    .version(mmmVersion());

  cmd
    .command('init-ca')
    .argument('<dir>', 'folder for ca.crt and ca.key')
    .option('--cn <name>', 'CA common name', 'mmm CA')
    .option('--days <n>', 'validity in days', positiveInt, 3650)
    .description('make a new CA: DIR/ca.crt and DIR/ca.key (0600); refuses to overwrite one')
    .action(async (dir: string, o: { cn: string; days: number }) => {
      print((await initCa({ dir, cn: o.cn, days: o.days })).lines);
    });

  cmd
    .command('issue')
    .requiredOption('--ca <dir>', 'folder holding ca.crt and ca.key')
    .requiredOption('--name <name>', 'certificate CN and file name')
    .option('--ip <ip>', 'IP SAN (repeatable); daemons and MariaDB servers: the configured host ip', collect, [])
    .option('--dns <name>', 'DNS SAN (repeatable)', collect, [])
    .option('--role <role>', 'agent | monitor (serverAuth+clientAuth), control | viewer (clientAuth), mysql (a MariaDB/MySQL server: serverAuth, no mmm role), etcd (an etcd member or a monitor\'s etcd client: serverAuth+clientAuth, no rights at mmm listeners)', 'agent')
    .option('--days <n>', 'validity in days', positiveInt, 365)
    .requiredOption('--out <dir>', 'folder for NAME.crt and NAME.key (0600)')
    .description('issue NAME.crt and NAME.key signed by the CA, with the role as SAN URI urn:mmm:role:<role> (--role mysql: a certificate for mariadbd\'s ssl_cert/ssl_key; --role etcd: for etcd\'s --cert-file and --peer-cert-file, docs/ha.md)')
    .action(async (o: { ca: string; name: string; ip: string[]; dns: string[]; role: string; days: number; out: string }) => {
      print((await issue({ caDir: o.ca, name: o.name, ips: o.ip, dns: o.dns, role: o.role, days: o.days, out: o.out })).lines);
    });

  cmd
    .command('crl')
    .requiredOption('--ca <dir>', 'folder holding ca.crt and ca.key')
    .option('--revoke <cert-or-serial>', 'certificate file or hex serial to revoke (repeatable)', collect, [])
    .option('--days <n>', 'days until nextUpdate (re-issue before then)', positiveInt, 30)
    .requiredOption('--out <file>', 'the CRL (PEM); serials already in it stay revoked')
    .description('issue or refresh the CA\'s certificate revocation list (crl_file)')
    .action(async (o: { ca: string; revoke: string[]; days: number; out: string }) => {
      print((await issueCrl({ caDir: o.ca, revoke: o.revoke, days: o.days, out: o.out })).lines);
    });

  cmd
    .command('show')
    .argument('<file>', 'a PEM certificate (or chain)')
    .description('subject, SANs, EKU, role, validity, days left and fingerprint of a certificate')
    .action((file: string) => {
      print(showLines(readArgFile(file), file));
    });

  cmd
    .command('verify')
    .requiredOption('-c, --config <file>', 'mmm_agent.conf, mmm_mon.conf or mmm_control.conf')
    .option('--program <program>', 'agent | monitor | control (default: from the file name)')
    .option('--secure', 'also do a live handshake and a PING to every configured peer, and check that every MySQL link is TLS')
    .option('--timeout <seconds>', 'bound per live connection (seconds, or 500ms)', secondsOption, 5)
    .description('check the TLS material a config names; one OK/WARN/FAIL line per check; exit 0 OK, 1 failures, 5 warnings only')
    .action(async (o: { config: string; program?: string; secure?: boolean; timeout: number }) => {
      const r = await verify({ config: o.config, program: o.program, secure: o.secure, timeoutMs: Math.round(o.timeout * 1000) });
      print(r.findings.map(formatFinding));
      setExit(r.exitCode);
    });

  cmd
    .command('grants')
    .requiredOption('-c, --config <file>', 'mmm_mon.conf (monitor account) or mmm_agent.conf (agent and replication accounts)')
    .option('--program <program>', 'agent | monitor (default: from the file name)')
    .option('--timeout <seconds>', 'bound per login and per statement (seconds, or 500ms)', secondsOption, 5)
    .description(
      'log in to every server with the MySQL accounts the config names and report, per server and account, ' +
        'the missing privileges with the GRANT that fixes them (changes nothing; no daemon needed); ' +
        'exit 0 nothing missing, 1 something missing, 3 a server could not be checked',
    )
    .action(async (o: { config: string; program?: string; timeout: number }) => {
      const r = await checkGrants({ config: o.config, program: o.program, timeoutMs: Math.round(o.timeout * 1000) });
      print(r.lines);
      setExit(r.exitCode);
    });
  return cmd;
}

async function main(argv: string[]): Promise<number> {
  let code = 0;
  const cmd = program((c) => (code = c));
  // Usage errors exit 2 in every tool (common exit-codes.ts); commander would exit 1.
  cmd.exitOverride();
  for (const sub of cmd.commands) sub.exitOverride();
  try {
    await cmd.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    throw e;
  }
  return code;
}

export function run(): void {
  main(process.argv).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`mmm_tls: ${errorMessage(e)}\n`);
      if (!(e instanceof MmmError)) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
      // Option errors were commander's (exit 2 above); anything thrown by a command is its failure.
      process.exit(EXIT.ERROR_REPLY);
    },
  );
}
