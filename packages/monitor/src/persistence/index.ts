// What the monitor keeps on disk: the MMM status file, our state next to it, and the audit log.
export * from './atomic-write';
export * from './status-file';
export * from './state-file';
export * from './audit-log';
export * from './ring';
export * from './history';
export * from './history-read';
