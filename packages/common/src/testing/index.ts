export * from './memory-logger';
export * from './fake-clock';
