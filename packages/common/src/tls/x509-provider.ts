// @peculiar/x509 v2 resolves its services through tsyringe, which needs the Reflect polyfill
// loaded first; the crypto provider must be Node's WebCrypto. Import this module, never the
// library directly, so both happen exactly once and in order.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
export const subtle = webcrypto.subtle;
