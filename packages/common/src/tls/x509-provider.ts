// @peculiar/x509 v2 resolves its services through tsyringe, which needs the Reflect polyfill
// loaded first; the crypto provider must be Node's WebCrypto. Get the library through x509(),
// never directly, so both happen exactly once and in order. Loaded on first use, not at import:
// it is ~150 ms of start-up and several MB of heap that only certificate making and inspection
// need (mmm_tls; a daemon only when it explains a refused client), not `mmm_control show` or an
// idle agent.
import { webcrypto } from 'node:crypto';
import type * as X509 from '@peculiar/x509';

let lib: typeof X509 | undefined;

export function x509(): typeof X509 {
  if (!lib) {
    require('reflect-metadata');
    const l = require('@peculiar/x509') as typeof X509;
    l.cryptoProvider.set(webcrypto as unknown as Parameters<typeof l.cryptoProvider.set>[0]);
    lib = l;
  }
  return lib;
}

export type { X509 };
export const subtle = webcrypto.subtle;
