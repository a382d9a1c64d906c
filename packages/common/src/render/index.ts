// Filled in by the render module.
export {};
