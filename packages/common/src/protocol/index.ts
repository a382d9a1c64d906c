// Filled in by the protocol module.
export {};
