// Re-exports only. Pure wire codecs: nothing here imports net, tls or fs.
export * from './commands';
export * from './fields';
export * from './agent-request';
export * from './agent-reply';
export * from './agent-health';
export * from './agent-term';
export * from './line-splitter';
export * from './control-texts';
export * from './control-command';
