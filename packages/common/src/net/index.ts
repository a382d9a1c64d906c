// TLS/plain transport: listener, client, connections, authorization.
export * from './material';
export * from './peer';
export * from './connection';
export * from './client-connection';
export * from './admission';
export * from './listener';
export * from './server-identity';
export * from './server-role';
export * from './refusal-reason';
export * from './client';
export * from './authorize';
