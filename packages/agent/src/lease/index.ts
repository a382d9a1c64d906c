// Writer-lease fencing: the lease rule and its timer, and the refusal of requests delayed in the
// network that would undo a fence.
export * from './lease';
export * from './lease-guard';
export * from './stale-status';
export * from './renewal';
export * from './fencing';
export * from './adoption';
