// MySQL accounts: what each needs (needs.ts), SHOW GRANTS against it (grants.ts), typed problems.
export * from './needs';
export * from './grants';
export * from './problem';
export * from './tls-hint';
