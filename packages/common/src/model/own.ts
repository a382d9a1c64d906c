// Lookups by names that come from outside (config files, control commands, agent requests, the
// status file). A plain object answers `constructor`, `toString`, `__proto__`… from
// Object.prototype: `roles['constructor'].hosts.includes(…)` crashed move_role, and
// `hosts['__proto__'] = …` replaced a prototype instead of adding a host (issue 15 finding 7).

/** `rec[key]` only when `key` is `rec`'s own property. */
export function own<T>(rec: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(rec, key) ? rec[key] : undefined;
}

/**
 * Names that are Object.prototype members (`__proto__`, `constructor`, `toString`…): refused as
 * host, role and log names, so no object keyed by them ever needs care.
 */
export function isReservedName(name: string): boolean {
  return name in Object.prototype;
}
