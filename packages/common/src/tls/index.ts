// Filled in by the tls module.
export {};
