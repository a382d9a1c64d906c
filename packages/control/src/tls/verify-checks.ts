// The pure half of `mmm_tls verify`: findings from loaded material. No file system, no network.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { isIP } from 'node:net';
import { describeCert, errorMessage, expiryWarnings, splitPemCerts, validateTlsMaterial, type PeerRole } from '@mmm/common';
import { fail, ok, warn, type Finding } from './findings';
import type { FileFact, TlsFileKey, VerifyMaterial } from './verify-material';

const DAY_MS = 86_400_000;
/** A CRL this close to nextUpdate is about to lock everyone out. */
const CRL_WARN_DAYS = 7;

/** Which certificate/key pairs a program uses and what they must be good for. */
interface Identity {
  certKey: TlsFileKey;
  keyKey: TlsFileKey;
  /** EKUs the program needs from this certificate. */
  eku: Array<'serverAuth' | 'clientAuth'>;
  /** The address clients check it against (verify_mode 1), for a listening certificate. */
  host?: { name: string; ip: string };
}

function identities(m: VerifyMaterial): Identity[] {
  const s = m.config.socket;
  if (m.program === 'control') {
    return [{ certKey: s.clientCertFile ? 'client_cert_file' : 'cert_file', keyKey: s.clientKeyFile ? 'client_key_file' : 'key_file', eku: ['clientAuth'] }];
  }
  const host =
    m.program === 'agent'
      ? m.config.this && m.config.hosts[m.config.this]
        ? { name: m.config.this, ip: m.config.hosts[m.config.this]!.ip }
        : undefined
      : m.config.monitor
        ? { name: 'monitor', ip: m.config.monitor.ip }
        : undefined;
  if (s.clientCertFile || s.clientKeyFile) {
    return [
      { certKey: 'cert_file', keyKey: 'key_file', eku: ['serverAuth'], ...(host ? { host } : {}) },
      { certKey: s.clientCertFile ? 'client_cert_file' : 'cert_file', keyKey: s.clientKeyFile ? 'client_key_file' : 'key_file', eku: ['clientAuth'] },
    ];
  }
  return [{ certKey: 'cert_file', keyKey: 'key_file', eku: ['serverAuth', 'clientAuth'], ...(host ? { host } : {}) }];
}

const ROLE_FOR: Record<VerifyMaterial['program'], PeerRole[]> = { agent: ['agent'], monitor: ['monitor'], control: ['control', 'viewer'] };

function fileFindings(f: FileFact): Finding[] {
  const out: Finding[] = [];
  if (!f.exists) return [fail(`file ${f.key}`, `${f.path} does not exist${f.error ? ` (${f.error})` : ''}`)];
  out.push(
    f.readable
      ? ok(`file ${f.key}`, `${f.path} is readable`)
      : fail(`file ${f.key}`, `${f.path} is not readable by this user (${f.error ?? 'EACCES'}); run verify as the daemon's user`),
  );
  if (f.secret && f.mode !== undefined) {
    const m = f.mode.toString(8).padStart(4, '0');
    out.push(
      (f.mode & 0o006) === 0
        ? ok(`key mode ${f.key}`, `${f.path} mode ${m}`)
        : fail(`key mode ${f.key}`, `${f.path} is ${f.mode & 0o004 ? 'readable' : 'writable'} by other users (mode ${m}); the daemons refuse it: chmod 600 ${f.path}`),
    );
  }
  return out;
}

/** Walks leaf → intermediates (from cert_file) → a CA of ca_file, checking each signature. */
export function chainFinding(check: string, certPem: string, caPem: string, now: number): Finding {
  const certs = splitPemCerts(certPem).map((p) => new X509Certificate(p));
  const roots = splitPemCerts(caPem).map((p) => new X509Certificate(p));
  const leaf = certs[0];
  if (!leaf) return fail(check, 'no certificate in the file');
  if (leaf.ca) return fail(check, `the certificate is a CA certificate (CN ${leaf.subject.replace(/\n/g, ', ')}), not a leaf`);
  const signs = (issuer: X509Certificate, c: X509Certificate): boolean => c.checkIssued(issuer) && c.verify(issuer.publicKey);
  const path: string[] = [];
  let cur = leaf;
  for (let depth = 0; depth < 8; depth++) {
    const root = roots.find((r) => signs(r, cur));
    if (root) {
      const exp = [...path.map((_, i) => certs[i + 1]!), root].find((c) => new Date(c.validTo).getTime() <= now);
      if (exp) return fail(check, `${exp.subject.replace(/\n/g, ', ')} in the chain expired on ${exp.validTo}`);
      return ok(check, `chains to ${root.subject.replace(/\n/g, ', ')} in ca_file${path.length ? ` via ${path.join(' → ')}` : ''}`);
    }
    const inter = certs.slice(1).find((c) => c !== cur && signs(c, cur));
    if (!inter) {
      const issuer = cur.issuer.replace(/\n/g, ', ');
      if (cur.subject === cur.issuer) return fail(check, `self-signed (${issuer}) and not in ca_file`);
      return fail(check, `issuer ${issuer} is neither in ca_file nor sent along in the file (other CA, or a missing intermediate)`);
    }
    path.push(inter.subject.replace(/\n/g, ', '));
    cur = inter;
  }
  return fail(check, 'chain longer than 8 certificates');
}

/** A SAN (IP or DNS) must name the configured address; the CN counts only without any SAN. */
export function identityFinding(check: string, certPem: string, host: { name: string; ip: string }): Finding {
  const x = new X509Certificate(certPem);
  const what = `${host.name} (${host.ip})`;
  if (!x.subjectAltName) {
    const cn = /^CN=(.*)$/m.exec(x.subject)?.[1] ?? '';
    return cn === host.ip
      ? ok(check, `no SAN; CN ${cn} names ${what}`)
      : fail(check, `no SAN and CN ${cn} is not ${host.ip}: clients with verify_mode 1 refuse it (issue it with --ip ${host.ip})`);
  }
  const named = isIP(host.ip) ? x.checkIP(host.ip) !== undefined : x.checkHost(host.ip, { subject: 'never' }) !== undefined;
  return named
    ? ok(check, `SAN names ${what}`)
    : fail(check, `SAN (${x.subjectAltName}) does not name ${host.ip}: clients with verify_mode 1 refuse it (issue it with --ip ${host.ip})`);
}

function identityFindings(m: VerifyMaterial, id: Identity): Finding[] {
  const cf = m.files[id.certKey];
  const kf = m.files[id.keyKey];
  const ca = m.files.ca_file?.text;
  const out: Finding[] = [];
  if (cf?.text === undefined) return out; // already reported by the file checks, or not configured
  let d;
  try {
    d = describeCert(cf.text, m.now);
  } catch (e) {
    return [fail(`certificate ${id.certKey}`, `${cf.path}: ${errorMessage(e)}`)];
  }
  if (kf?.text !== undefined) {
    try {
      const matches = new X509Certificate(cf.text).checkPrivateKey(createPrivateKey(kf.text));
      out.push(matches ? ok(`key match ${id.keyKey}`, `${kf.path} belongs to ${cf.path}`) : fail(`key match ${id.keyKey}`, `${kf.path} is not the key of ${cf.path}`));
    } catch (e) {
      out.push(fail(`key match ${id.keyKey}`, `${kf.path} is not a usable PEM private key: ${errorMessage(e)}`));
    }
  }
  if (ca !== undefined) out.push(chainFinding(`chain ${id.certKey}`, cf.text, ca, m.now));
  const missing = id.eku.filter((e) => d.eku.length > 0 && !d.eku.includes(e));
  const ekuText = d.eku.length ? d.eku.join('+') : 'none (any usage)';
  out.push(
    missing.length
      ? fail(`eku ${id.certKey}`, `${ekuText}; the ${m.program} needs ${id.eku.join('+')} (re-issue with mmm_tls issue --role ${ROLE_FOR[m.program][0]})`)
      : ok(`eku ${id.certKey}`, `${ekuText} (needs ${id.eku.join('+')})`),
  );
  const roles = ROLE_FOR[m.program];
  if (d.roleProblem !== undefined) out.push(fail(`role ${id.certKey}`, `${d.roleProblem}: peers give this certificate no rights (re-issue with mmm_tls issue --role ${roles[0]})`));
  else if (d.role === undefined) out.push(ok(`role ${id.certKey}`, 'no urn:mmm:role SAN: peer_role entries on the peers decide'));
  else if (roles.includes(d.role)) out.push(ok(`role ${id.certKey}`, `urn:mmm:role:${d.role}`));
  else out.push(warn(`role ${id.certKey}`, `urn:mmm:role:${d.role} in the ${m.program}'s certificate: peers treat it as ${d.role} (a peer_role entry cannot change that)`));
  if (id.host) out.push(identityFinding(`identity ${id.certKey}`, cf.text, id.host));
  const warnDays = m.config.socket.certExpiryWarnDays;
  const w = expiryWarnings({ own: cf.text }, warnDays, m.now)[0];
  if (!w) out.push(ok(`expiry ${id.certKey}`, `${d.daysLeft} days left (warning at ${warnDays})`));
  else out.push(w.state === 'expiring' ? warn(`expiry ${id.certKey}`, `${w.message} (warning at ${warnDays})`) : fail(`expiry ${id.certKey}`, w.message));
  const crl = m.crl?.description;
  if (crl?.revoked.includes(d.serial)) out.push(fail(`revocation ${id.certKey}`, `serial ${d.serial} is revoked by ${m.files.crl_file!.path}`));
  return out;
}

function caFindings(m: VerifyMaterial): Finding[] {
  const ca = m.files.ca_file?.text;
  if (ca === undefined) return [];
  const certs = splitPemCerts(ca);
  if (certs.length === 0) return [fail('ca_file', `${m.files.ca_file!.path} holds no PEM certificate`)];
  const out: Finding[] = [];
  const warnDays = m.config.socket.certExpiryWarnDays;
  for (const c of certs) {
    const d = describeCert(c, m.now);
    if (!d.isCa) out.push(warn('ca_file', `CN=${d.cn} in ca_file is not a CA certificate`));
    const w = expiryWarnings({ ca: c }, warnDays, m.now)[0];
    if (!w) out.push(ok('expiry ca_file', `CA CN=${d.cn}: ${d.daysLeft} days left`));
    else out.push(w.state === 'expiring' ? warn('expiry ca_file', w.message) : fail('expiry ca_file', w.message));
  }
  return out;
}

function crlFindings(m: VerifyMaterial): Finding[] {
  const f = m.files.crl_file;
  if (!f || f.text === undefined) return []; // no CRL configured is fine; unreadable is a file finding
  if (m.crl?.error || !m.crl?.description) return [fail('crl', `${f.path}: ${m.crl?.error ?? 'cannot be read'}`)];
  const c = m.crl.description;
  const out: Finding[] = [];
  if (c.signedByCa === false) out.push(fail('crl', `${f.path} is not signed by a CA of ca_file: every handshake will fail`));
  if (c.nextUpdate === undefined) out.push(ok('crl freshness', `no nextUpdate; ${c.revoked.length} revoked`));
  else {
    const days = Math.floor((c.nextUpdate.getTime() - m.now) / DAY_MS);
    if (c.nextUpdate.getTime() <= m.now) {
      out.push(fail('crl freshness', `${f.path} expired on ${c.nextUpdate.toISOString()}: the daemons refuse every peer until a new CRL is installed`));
    } else if (days < CRL_WARN_DAYS) {
      out.push(warn('crl freshness', `${f.path} must be re-issued within ${days} days (nextUpdate ${c.nextUpdate.toISOString()})`));
    } else {
      out.push(ok('crl freshness', `next update in ${days} days; ${c.revoked.length} revoked`));
    }
  }
  return out;
}

/** A dry run of the TLS context the daemon would build (security level 2: weak keys, SHA-1…). */
function contextFinding(m: VerifyMaterial): Finding[] {
  const s = m.config.socket;
  const text = (k: TlsFileKey): string | undefined => m.files[k]?.text;
  const cert = text('cert_file') ?? text('client_cert_file');
  const key = text('key_file') ?? text('client_key_file');
  const ca = text('ca_file');
  if (cert === undefined || key === undefined || ca === undefined) return [];
  try {
    validateTlsMaterial(
      {
        cert,
        key,
        ca,
        ...(text('crl_file') ? { crl: text('crl_file') } : {}),
        ...(text('client_cert_file') ? { clientCert: text('client_cert_file') } : {}),
        ...(text('client_key_file') ? { clientKey: text('client_key_file') } : {}),
      },
      s,
    );
    return [ok('tls context', `builds (min ${s.tlsMinVersion}, SECLEVEL=2)`)];
  } catch (e) {
    return [fail('tls context', errorMessage(e))];
  }
}

/** Every static check, in the order they are printed. */
export function checkMaterial(m: VerifyMaterial): Finding[] {
  const s = m.config.socket;
  if (s.type !== 'ssl') return [fail('socket', `socket type is ${s.type}: connections are neither encrypted nor authenticated (set socket_type ssl)`)];
  const out: Finding[] = [];
  if (!s.caFile) out.push(fail('config', 'ca_file is not set'));
  for (const f of Object.values(m.files)) if (f) out.push(...fileFindings(f));
  for (const id of identities(m)) {
    if (!m.files[id.certKey]) out.push(fail('config', `${id.certKey} is not set`));
    if (!m.files[id.keyKey]) out.push(fail('config', `${id.keyKey} is not set`));
    out.push(...identityFindings(m, id));
  }
  out.push(...caFindings(m), ...crlFindings(m), ...contextFinding(m));
  if (s.verifyMode === 0) out.push(warn('verify_mode', '0: servers are not verified (set verify_mode 1)'));
  if (s.tlsListen === 'both' && m.program !== 'control') out.push(warn('tls_listen', 'both: plain connections are accepted too (migration mode)'));
  if (s.tlsConnect === 'relaxed') out.push(warn('tls_connect', 'relaxed: falls back to plain with plain-only peers (migration mode)'));
  return out;
}
