// Re-exports only. Pure rendering of the status document: used by the monitor and by mmm_control.
export * from './status-document';
export * from './status-validate';
export * from './time-format';
export * from './show';
export * from './checks';
export * from './show-extra';
export * from './history';
