import { type CheckConfig, type CheckName, DEFAULTS, type HostConfig } from '@mmm/common';

export function checkConfig(name: CheckName, over: Partial<CheckConfig> = {}): CheckConfig {
  return { name, ...DEFAULTS.check, ...over };
}

export function hostConfig(over: Partial<HostConfig> = {}): HostConfig {
  return { name: 'db1', ip: '127.0.0.1', mode: 'master', agentPort: 9989, mysqlPort: 3306, ...over };
}
