// Writer-lease fencing: the lease rule and its timer, which requests renew it, the fence itself,
// taking the lease up after a restart, and refusing requests delayed in the network that would
// undo a fence.
// Imported as '…/lease/index', never '…/lease': a dist/ built before this folder existed
// still holds lease.js, which require('./lease') would load instead.
export * from './lease';
export * from './lease-guard';
export * from './stale-status';
export * from './renewal';
export * from './fencing';
export * from './adoption';
