// @mmm/common, the node entry (re-exports only): everything of @mmm/common/pure plus the code
// that does I/O. Test fakes are in @mmm/common/testing, never here.
export * from './pure';
export * from './logger';
export * from './bounded';
export * from './config';
export * from './net';
export * from './tls';
export * from './cli';
export * from './daemon';
export * from './exit-codes';
export * from './pid-file';
export * from './durable-file';
export * from './log-limit';
