// Public API of @mmm/monitor (used by tests and the sandbox).
export { Monitor, type MonitorOptions } from './monitor';
export { MonitorDaemon, type DaemonOptions } from './daemon';
export { AgentClient } from './agents/agent-client';
export { AgentSet } from './agents/agent-set';
export { buildStatusDocument } from './status/build-status';
