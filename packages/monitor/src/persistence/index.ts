// What the monitor keeps on disk: the MMM status file and the audit log.
export * from './atomic-write';
export * from './status-file';
export * from './audit-log';
export * from './ring';
