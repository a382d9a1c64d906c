// Monitor HA on the agent's side (issue 19): the term record, what SET_TERM does to it, the gate
// for state-changing commands, and the term file.
export * from './record';
export * from './decide';
export * from './term-file';
export * from './gate';
