// The pure config core (part of @mmm/common/pure): the model and the parse pipeline
// lex → normalize → merge → build over an injected file source. Nothing here reads a file.
export * from './types';
export * from './mysql-link';
export * from './ha';
export { FENCE_READ_ONLY_BOUND_S, semisyncWarning } from './build';
export { parseConfig, parseConfigText, parseConfigTextOrThrow } from './parse';
export type { ParseOptions, ParseResult } from './parse';
export type { FileSource } from './lexer';
