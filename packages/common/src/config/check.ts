// --check-config: everything loadConfig checks, plus the files the config refers to (they
// must exist and, for private keys, be unreadable by other users), and with `--user NAME` that
// NAME can read the config, its includes and those files. The parser never does this.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../errors';
import type { ConfigIssue } from '../errors';
import type { LoadedConfig } from './types';
import { mysqlTlsOf } from './mysql-link';
import { loadConfig, unsafeModeIssue } from './read';
import { type RunAs, unreadableReason } from './access';
import { currentUserName, ownershipHint } from './ownership';
import type { LoadOptions } from './read';

export interface CheckResult {
  loaded?: LoadedConfig;
  /** Empty = OK. */
  issues: ConfigIssue[];
}

/**
 * What --check-config and a daemon's start both refuse (one function, so they can never disagree).
 * `runAs`: check readability for that user (`--check-config --user mmm`); default the current user.
 */
export function checkConfig(opts: LoadOptions & { runAs?: RunAs }): CheckResult {
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig(opts);
  } catch (e) {
    if (e instanceof ConfigError) return { issues: e.issues };
    throw e;
  }
  const issues = checkReferencedFiles(loaded, opts.program, opts.runAs);
  return { loaded, issues };
}

/** File checks for an already loaded config (exported for daemons that load first). */
export function checkReferencedFiles(loaded: LoadedConfig, program: LoadOptions['program'], runAs?: RunAs): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const { config } = loaded;
  const main = loaded.files[0];
  const where = (key: string): { file: string; line: number } => loaded.origins?.[key] ?? { file: main, line: 0 };
  const issue = (key: string, message: string, hint: string): void => void issues.push({ ...where(key), message, hint });
  // The config and its includes were read by the current user (root for `--check-config --user
  // mmm` on a monitor host): the user the daemon will run as must be able to read them too.
  if (runAs) {
    for (const f of loaded.files) {
      const denied = unreadableReason(f, runAs);
      if (denied) issues.push({ file: f, line: 0, message: `config file cannot be read by ${runAs.name}: ${denied}`, hint: ownershipHint(program, f) });
    }
  }
  const isFile = (f: string): boolean => {
    try {
      return fs.statSync(f).isFile();
    } catch {
      return false;
    }
  };

  const s = config.socket;
  if (s.type === 'ssl') {
    const files: [string, string | undefined, boolean][] = [
      ['socket.cert_file', s.certFile, false],
      ['socket.key_file', s.keyFile, true],
      ['socket.ca_file', s.caFile, false],
      ['socket.crl_file', s.crlFile, false],
      ['socket.client_cert_file', s.clientCertFile, false],
      ['socket.client_key_file', s.clientKeyFile, true],
    ];
    for (const [key, file, secret] of files) {
      if (file === undefined) continue;
      const name = key.slice('socket.'.length);
      if (!isFile(file)) {
        issue(key, `${name} ${file} does not exist`, 'create it (mmm_tls issue) or fix the path');
        continue;
      }
      const unsafe = secret ? unsafeModeIssue(file, `private key ${file}`) : undefined;
      if (unsafe) issue(key, unsafe.message, unsafe.hint ?? `chmod 600 ${file}`);
      const denied = unreadableReason(file, runAs);
      if (denied) issue(key, `${name} ${file} cannot be read by ${runAs?.name ?? currentUserName()}: ${denied}`, ownershipHint(program, file));
    }
  }
  if (program === 'agent' || program === 'monitor') {
    // The CA the monitor (every host) or this node's replica thread (its masters) verifies MySQL with.
    const seen = new Set(s.type === 'ssl' && s.caFile ? [s.caFile] : []);
    for (const h of Object.values(config.hosts)) {
      const f = mysqlTlsOf(config, h)?.caFile;
      if (f === undefined || seen.has(f)) continue;
      seen.add(f);
      const key = `host.${h.name}.mysql_ssl_ca`;
      if (!isFile(f)) issue(key, `mysql_ssl_ca ${f} does not exist`, 'copy the CA that signed the MySQL server certificates there, or fix the path');
      else {
        const denied = unreadableReason(f, runAs);
        if (denied) issue(key, `mysql_ssl_ca ${f} cannot be read by ${runAs?.name ?? currentUserName()}: ${denied}`, ownershipHint(program, f));
      }
    }
  }
  const ha = config.monitorHa;
  if (program === 'monitor' && ha) {
    // etcd_ca defaults to the socket's ca_file: checked above already when the socket is ssl.
    const caChecked = s.type === 'ssl' && ha.etcdCa === s.caFile;
    const files: [string, string, boolean][] = [
      ['etcd_cert', ha.etcdCert, false],
      ['etcd_key', ha.etcdKey, true],
      ...(caChecked ? [] : [['etcd_ca', ha.etcdCa, false] as [string, string, boolean]]),
    ];
    for (const [name, file, secret] of files) {
      // An etcd_ca taken from the socket points at the socket's ca_file line.
      const key = name === 'etcd_ca' && !loaded.origins?.['monitor_ha.etcd_ca'] ? 'socket.ca_file' : `monitor_ha.${name}`;
      if (!isFile(file)) {
        issue(key, `${name} ${file} does not exist`, name === 'etcd_ca' ? 'copy the CA that signed the etcd certificates there, or fix the path' : 'create it (mmm_tls issue, docs/ha.md) or fix the path');
        continue;
      }
      const unsafe = secret ? unsafeModeIssue(file, `private key ${file}`) : undefined;
      if (unsafe) issue(key, unsafe.message, unsafe.hint ?? `chmod 600 ${file}`);
      const denied = unreadableReason(file, runAs);
      if (denied) issue(key, `${name} ${file} cannot be read by ${runAs?.name ?? currentUserName()}: ${denied}`, ownershipHint(program, file));
    }
  }
  const self = program === 'agent' && config.this !== undefined ? config.hosts[config.this] : undefined;
  if (self?.termFile !== undefined) {
    // Set explicitly: its folder must be there (the agent never makes one). The default's folder
    // (/var/lib/mmm, made by the package) is only needed once a monitor with HA sends a term.
    const key = `host.${self.name}.term_file`;
    const dir = path.dirname(self.termFile);
    let isDir = false;
    try {
      isDir = fs.statSync(dir).isDirectory();
    } catch {
      /* missing */
    }
    if (!isDir) issue(key, `the folder of term_file, ${dir}, does not exist`, `mkdir -p ${dir}`);
    else if (fs.existsSync(self.termFile) && !isFile(self.termFile)) issue(key, `term_file ${self.termFile} is not a regular file`, 'name a file, not a folder');
  }
  const mon = config.monitor;
  if (program === 'monitor' && mon) {
    if (mon.killHostBin !== undefined) {
      const f = mon.killHostBin;
      if (!isFile(f)) issue('monitor.kill_host_bin', `kill_host_bin ${f} does not exist`, 'install it or fix the path');
      else if ((fs.statSync(f).mode & 0o111) === 0) issue('monitor.kill_host_bin', `kill_host_bin ${f} is not executable`, `chmod 755 ${f}`);
    }
    if (mon.statusPath !== undefined) {
      const dir = path.dirname(mon.statusPath);
      if (!fs.existsSync(dir)) issue('monitor.status_path', `the folder of status_path, ${dir}, does not exist`, `mkdir -p ${dir}`);
    }
  }
  return issues;
}
