export * from './host-state';
export * from './role';
export * from './peer-role';
export * from './gtid';
export * from './ip';
export * from './own';

export const PROTOCOL_VERSION = 1;
export const DEFAULT_AGENT_PORT = 9989;
export const DEFAULT_MONITOR_PORT = 9988;
export const DEFAULT_MYSQL_PORT = 3306;
