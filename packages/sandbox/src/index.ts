// Public API of @mmm/sandbox: re-exports only.
export * from './cluster';
export * from './etcd';
export * from './exec';
export * from './forward';
export * from './ha';
export * from './mariadb';
export * from './netns';
export * from './paths';
export * from './replication';
export * from './sql';
export * from './types';
export * from './users';
export * from './control';
export * from './daemons';
export * from './sandbox';
export * from './sandbox-config';
export * from './vip-proxy';
