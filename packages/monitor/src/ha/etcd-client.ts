// The etcd3 client a coordinator uses: mutual TLS from the <monitor_ha> files, bounded requests,
// and a fault policy that steps around a member that stopped answering at once.
import { readFileSync } from 'node:fs';
import { ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, noop, retry } from 'cockatiel';
import { Etcd3, isRecoverableError } from 'etcd3';
import { TlsError, errorMessage, type MonitorHaSettings } from '@mmm/common';

/** How long a member that failed one request is skipped before one request may try it again. */
export const MEMBER_SKIP_MS = 1000;

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new TlsError('TLS_MATERIAL', `<monitor_ha> ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`, { cause: e });
  }
}

/**
 * Every unary request carries `timeoutMs` as its gRPC deadline (a SIGSTOPped member never answers);
 * streams (watch) have none. One failed request opens that member's circuit for MEMBER_SKIP_MS, so
 * the retry and the next requests go to the other members; a request is tried on up to every member.
 */
export function createEtcdClient(s: Pick<MonitorHaSettings, 'endpoints' | 'caFile' | 'certFile' | 'keyFile'>, timeoutMs: number): Etcd3 {
  const credentials = { rootCertificate: read(s.caFile, 'etcd_ca'), certChain: read(s.certFile, 'etcd_cert'), privateKey: read(s.keyFile, 'etcd_key') };
  const recoverable = handleWhen(isRecoverableError);
  return new Etcd3({
    hosts: s.endpoints,
    credentials,
    dialTimeout: timeoutMs,
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeoutMs }),
    faultHandling: {
      host: () => circuitBreaker(recoverable, { halfOpenAfter: MEMBER_SKIP_MS, breaker: new ConsecutiveBreaker(1) }),
      global: s.endpoints.length > 1 ? retry(recoverable, { maxAttempts: s.endpoints.length - 1 }) : noop,
      // The watch reconnects within a second (the default backs off to 30 s).
      watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1000 }) as never,
    },
  });
}
