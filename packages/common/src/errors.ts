// Typed errors: callers branch on `code`, never on message text.

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'CONFIG_UNSAFE_MODE'
  | 'PROTOCOL_INVALID'
  | 'PROTOCOL_LINE_TOO_LONG'
  | 'PROTOCOL_NOT_UTF8'
  | 'TLS_MATERIAL'
  | 'TLS_AUTH_FAILED'
  | 'TLS_IDENTITY'
  | 'TLS_ROLE'
  | 'CONNECT_FAILED'
  | 'TIMEOUT'
  | 'COMMAND_REJECTED'
  | 'NOT_AUTHORIZED'
  | 'MYSQL'
  | 'SYSTEM'
  | 'USAGE'
  | 'ALREADY_RUNNING'
  | 'PID_FILE'
  | 'STATE_INVALID'
  | 'EXIT'
  | 'STALE_TERM'
  | 'INTERNAL';

export class MmmError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** One problem found in a configuration file, with where it was found and how to fix it. */
export interface ConfigIssue {
  file: string;
  line: number; // 1-based; 0 when the problem has no line (e.g. a missing required key)
  message: string;
  hint?: string;
}

export function formatIssue(i: ConfigIssue): string {
  return `${i.file}:${i.line}: ${i.message}${i.hint ? ` (${i.hint})` : ''}`;
}

export class ConfigError extends MmmError {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[], code: ErrorCode = 'CONFIG_INVALID') {
    super(code, issues.map(formatIssue).join('\n'));
    this.issues = issues;
  }
}

export class ProtocolError extends MmmError {}

export class TlsError extends MmmError {}

export class ConnectError extends MmmError {
  constructor(message: string, options?: { cause?: unknown; code?: ErrorCode }) {
    super(options?.code ?? 'CONNECT_FAILED', message, options);
  }
}

export class TimeoutError extends MmmError {
  constructor(message: string) {
    super('TIMEOUT', message);
  }
}

export class NotAuthorizedError extends MmmError {
  constructor(message: string) {
    super('NOT_AUTHORIZED', message);
  }
}

/** "Stop with this exit status; the user has already been told." Only main.ts maps it to process.exit. */
export class ExitError extends MmmError {
  readonly exitCode: number;
  constructor(exitCode: number, message = `exit ${exitCode}`) {
    super('EXIT', message);
    this.exitCode = exitCode;
  }
}

/** A bug: main.ts prints it with a stack. */
export class InternalError extends MmmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INTERNAL', message, options);
  }
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
