// mmm_tls: certificate issuance and verification (one file per subcommand).
export * from './findings';
export * from './errors';
export * from './init-ca';
export * from './issue';
export * from './show';
export * from './crl';
export * from './verify';
export * from './verify-checks';
export * from './verify-live';
export * from './verify-material';
export * from './verify-mysql';
export * from './mysql-greeting';
