// An EtcdCoordinator in a process of its own, for tests that kill -9 or SIGSTOP a monitor's
// coordination: settings as JSON in argv[2]; every event as a JSON line on stdout; SIGTERM stops it
// (resigning). Run with `node --require tsx/cjs`.
import { EtcdCoordinator } from '../../../packages/monitor/src/ha/etcd-coordinator';
import { MemoryLogger } from '../../../packages/common/src/testing';
import type { MonitorHaSettings } from '../../../packages/common/src/config';

const settings = JSON.parse(process.argv[2] ?? '{}') as MonitorHaSettings;
const co = new EtcdCoordinator({ settings, logger: new MemoryLogger() });
const say = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ ...o, pid: process.pid })}\n`);
co.on('elected', (term) => say({ ev: 'elected', term }));
co.on('deposed', (why) => say({ ev: 'deposed', why }));
co.on('leader', (l) => say({ ev: 'leader', leader: l ?? null }));
process.on('SIGTERM', () => {
  void co.stop().then(() => process.exit(0));
});
co.start().then(() => say({ ev: 'started', leader: co.isLeader() }), (e: unknown) => {
  say({ ev: 'error', error: String(e) });
  process.exit(1);
});
