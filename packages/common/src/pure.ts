// @mmm/common/pure: the code that computes without I/O (re-exports only). Nothing reachable
// from here imports a Node builtin (node:*, fs, net, tls, child_process, …), winston or mysql2;
// eslint.config.mjs forbids it and test/pure-entry.test.ts loads the built file with every
// builtin blocked. The monitor's analysis and the agent's role planning import only this.
export * from './errors';
export * from './clock';
export * from './model';
export * from './config/core';
export * from './protocol';
export * from './render';
export * from './accounts';
