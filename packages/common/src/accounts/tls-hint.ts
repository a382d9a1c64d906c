// What to do about a failed TLS connection to MySQL (pure): the driver's error alone names no
// config key. mysql2 replaces a handshake error's code by HANDSHAKE_SSL_ERROR, so its message
// tells which check failed.

/** ' (…)' to append to the error, or '' when it is no TLS matter. */
export function mysqlTlsHint(code: string | undefined, message = ''): string {
  if (code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return ' (the server offers no TLS, have_ssl=DISABLED: give mariadbd ssl_cert and ssl_key, docs/mysql-tls.md; or set mysql_ssl off for this host)';
  }
  if (code === 'ERR_MMM_SERVER_IDENTITY' || code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return " (the server's certificate does not name this host's ip as a SAN: mmm_tls issue --role mysql --ip <ip>)";
  }
  if (code !== 'HANDSHAKE_SSL_ERROR') return '';
  if (/expired|not yet valid/i.test(message)) return " (the server's certificate is out of its validity period)";
  if (/self.signed|issuer|verify|chain/i.test(message)) return " (the server's certificate does not chain to mysql_ssl_ca)";
  return ' (the TLS handshake with the server failed)';
}

/** Added to a refused login that had no TLS: a REQUIRE SSL account refuses it exactly like a wrong password. */
export const IN_CLEAR_LOGIN_HINT = 'if the account has REQUIRE SSL, this login had no TLS: turn mysql_ssl on (docs/mysql-tls.md)';
