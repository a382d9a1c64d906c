// Config API: loadConfig / checkConfig for daemons, parseConfig* (pure, ./core) for tests and tools.
export * from './core';
export { loadConfig, readConfig, findConfigFile, configFileName, configFileNames, unsafeModeIssue, DEFAULT_SEARCH_DIRS } from './read';
export type { LoadOptions } from './read';
export { checkConfig, checkReferencedFiles } from './check';
export type { CheckResult } from './check';
export { parseTlsConf, loadTlsConf, tlsConfSocket, TLS_CONF_KEYS } from './tls-conf';
export type { TlsConf, TlsConfKey } from './tls-conf';
export { lookupUser, runAsFrom, unreadableReason } from './access';
export type { RunAs } from './access';
export { DAEMON_USER, ownershipHint } from './ownership';
