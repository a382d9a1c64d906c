// Re-exports only.
export * from './errors';
export * from './logger';
export * from './clock';
export * from './bounded';
export * from './model';
export * from './accounts';
export * from './config';
export * from './protocol';
export * from './net';
export * from './tls';
export * from './render';
export * from './cli';
export * from './daemon';
export * from './testing';
