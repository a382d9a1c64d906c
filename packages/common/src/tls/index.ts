// Certificate issuance and inspection (node:crypto + @peculiar/x509).
export * from './keys';
export * from './issue';
export * from './crl';
export * from './describe';
export * from './expiry';
export * from './write';
export * from './cluster';
