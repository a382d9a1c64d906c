// SET_STATUS → ordered steps (pure). Compares what the monitor wanted before, what it wants now,
// and what is really on the node, so a repeated SET_STATUS changes nothing and a node left in the
// wrong state by hand (or by a restart) is put right.
import type { AgentState, HostMode, RoleIp } from '@mmm/common/pure';
import { own, roleToString, sameRole } from '@mmm/common/pure';
import { type SemisyncState, masterSideAsWanted } from '../system/semisync';

export interface WantedStatus {
  state: AgentState;
  roles: readonly RoleIp[];
  /** Active master host name; '' when none. */
  activeMaster: string;
}

export interface PlanHost {
  name: string;
  mode: HostMode;
  /** Role that makes a host the writer (`active_master_role`). */
  activeMasterRole: string;
}

export interface ReplicationSource {
  host: string;
  port: number | undefined;
  /** The IO thread stopped because the source refused our GTID position (error 1236): a
   *  re-point to the same source starts it again. */
  ioRefused?: boolean;
  /** Slave_IO_Running = Yes (connected to its source). */
  ioConnected?: boolean;
}

/** What is on the node now. undefined = could not be read (plan as if it needs doing). */
export interface Observed {
  readOnly: boolean | undefined;
  /** Addresses on the cluster interface. */
  vips: readonly string[] | undefined;
  /** null = replication not configured. */
  replication: ReplicationSource | null | undefined;
  /** Read only with durability semisync; null = the server has no semi-sync (MySQL without its
   *  plugins), undefined = not read or unreadable. */
  semisync?: SemisyncState | null;
}

export interface MasterAddress {
  ip: string;
  port: number;
  /** Replication from it over TLS, verified against this CA file (read by mysqld). */
  tls?: { caFile: string };
}

export interface PlanInput {
  prev: WantedStatus;
  next: WantedStatus;
  host: PlanHost;
  observed: Observed;
  /** Address of every host that may become active master (for re-pointing replicas). */
  masters: Readonly<Record<string, MasterAddress>>;
  /** IPs of the active master role in the config: one found on the NIC but not held is demoted. */
  writerIps?: readonly string[];
  graceMs?: number; // 1000
  catchUpTimeoutMs: number;
  /** `durability semisync`: the writer gets the master side, every node the replica side. Absent:
   *  `durability async`, nothing about semi-sync is touched (MMM). */
  semisync?: { timeoutMs: number };
}

/** Steps of one group after a failed `halts` step are skipped (promotion must not run half-way). */
export type StepGroup = 'demote' | 'vip' | 'replication' | 'promote' | 'durability';

interface StepBase {
  /** Shown in `ERROR:` replies and logs. */
  name: string;
  group: StepGroup;
  halts: boolean;
}

export type Step = StepBase &
  (
    | { kind: 'read_only'; on: boolean }
    | { kind: 'grace'; ms: number }
    | { kind: 'end_connections' }
    | { kind: 'del_vip'; role: RoleIp }
    | { kind: 'add_vip'; role: RoleIp }
    | { kind: 'catch_up'; timeoutMs: number }
    | { kind: 'repoint'; master: string; ip: string; port: number; timeoutMs: number; tls?: { caFile: string } }
    | { kind: 'unresolvable'; reason: string }
    | { kind: 'stop_slave' }
    | { kind: 'start_slave' }
    | { kind: 'semisync_master'; on: boolean; timeoutMs?: number }
    | { kind: 'semisync_slave'; restartIo: boolean }
  );

export const DEFAULT_GRACE_MS = 1000;

function has(roles: readonly RoleIp[], r: RoleIp): boolean {
  return roles.some((x) => sameRole(x, r));
}

/** Present, or unknown (then the idempotent add/del decides). */
function maybePresent(o: Observed, ip: string): boolean {
  return o.vips === undefined || o.vips.includes(ip);
}

function definitelyPresent(o: Observed, ip: string): boolean {
  return o.vips !== undefined && o.vips.includes(ip);
}

const denyWrite = (group: StepGroup): Step => ({ kind: 'read_only', on: true, name: 'read_only=1', group, halts: false });

export function planSetStatus(p: PlanInput): Step[] {
  const { prev, next, host, observed: o } = p;
  const isWriter = (r: RoleIp) => r.name === host.activeMasterRole;
  const nextWriter = next.roles.filter(isWriter);
  const removed = prev.roles.filter((r) => !has(next.roles, r));
  const steps: Step[] = [];

  // 1. Demotion first: the old writer must be read-only and without its VIP before anything else.
  if (nextWriter.length === 0) {
    const strayWriterIps = (p.writerIps ?? []).filter((ip) => definitelyPresent(o, ip) && !removed.some((r) => r.ip === ip));
    const writerVips = [
      ...removed.filter(isWriter),
      ...strayWriterIps.map((ip) => ({ name: host.activeMasterRole, ip })),
    ];
    const wasWriting = prev.roles.some(isWriter) || o.readOnly === false || writerVips.some((r) => definitelyPresent(o, r.ip));
    steps.push(denyWrite('demote')); // asserted on every SET_STATUS without the writer role
    if (wasWriting) {
      const ms = p.graceMs ?? DEFAULT_GRACE_MS;
      if (ms > 0) steps.push({ kind: 'grace', ms, name: `grace ${ms} ms`, group: 'demote', halts: false });
      steps.push({ kind: 'end_connections', name: 'end client connections', group: 'demote', halts: false });
    }
    for (const r of writerVips) {
      if (maybePresent(o, r.ip)) steps.push({ kind: 'del_vip', role: r, name: `del ${roleToString(r)}`, group: 'demote', halts: false });
    }
    steps.push(...semisyncMasterOff(p));
  }

  // 2. Other roles that went away.
  for (const r of removed) {
    if (nextWriter.length === 0 && isWriter(r)) continue; // done in the demotion
    if (maybePresent(o, r.ip)) steps.push({ kind: 'del_vip', role: r, name: `del ${roleToString(r)}`, group: 'vip', halts: false });
  }

  // 3. Replication: ADMIN_OFFLINE stops it; leaving it starts it; replicas follow the active master.
  const configured = o.replication !== null;
  if (next.state === 'ADMIN_OFFLINE' && prev.state !== 'ADMIN_OFFLINE' && configured) {
    steps.push({ kind: 'stop_slave', name: 'stop slave', group: 'replication', halts: false });
  }
  if (prev.state === 'ADMIN_OFFLINE' && next.state !== 'ADMIN_OFFLINE' && configured) {
    steps.push({ kind: 'start_slave', name: 'start slave', group: 'replication', halts: false });
  }
  const repoint = repointSteps(p);
  steps.push(...semisyncSlaveSteps(p, repoint.some((s) => s.kind === 'repoint')), ...repoint);

  // 4. Promotion: apply what was received, then writable, then the VIP (never the VIP first).
  if (nextWriter.length > 0) {
    if (o.readOnly !== false) steps.push({ kind: 'catch_up', timeoutMs: p.catchUpTimeoutMs, name: 'catch up', group: 'promote', halts: true });
    // After the catch-up: with the master side on, the SQL thread's commits of what it still had to
    // apply would wait for an acknowledgement (the bench saw a 5 s catch-up: a dead old writer's
    // stale connection still counted as a semi-sync replica). Before read_only=0: the first client
    // write already waits for a replica.
    steps.push(...semisyncMasterOn(p));
    if (o.readOnly !== false) steps.push({ kind: 'read_only', on: false, name: 'read_only=0', group: 'promote', halts: true });
    for (const r of nextWriter) {
      if (!definitelyPresent(o, r.ip)) steps.push({ kind: 'add_vip', role: r, name: `add ${roleToString(r)}`, group: 'promote', halts: true });
    }
  }

  // 5. Other roles' VIPs.
  for (const r of next.roles) {
    if (isWriter(r)) continue;
    if (!definitelyPresent(o, r.ip)) steps.push({ kind: 'add_vip', role: r, name: `add ${roleToString(r)}`, group: 'vip', halts: false });
  }
  return steps;
}

// ---- durability semisync (issue 16). Every step is idempotent against what was observed, and in
// group `durability`, which never halts: a failed semi-sync step makes the reply ERROR, but the
// writer still moves (the monitor reports a writer without semi-sync: WriterSemisyncFallback).

const NO_SEMISYNC = 'this server has no semi-sync variables (MySQL: INSTALL PLUGIN rpl_semi_sync_source SONAME \'semisync_source.so\' and rpl_semi_sync_replica SONAME \'semisync_replica.so\')';

function semisyncMasterOn(p: PlanInput): Step[] {
  const s = p.observed.semisync;
  if (!p.semisync) return [];
  if (s === null) return [{ kind: 'unresolvable', reason: NO_SEMISYNC, name: 'semi-sync master on', group: 'durability', halts: false }];
  const ms = Math.round(p.semisync.timeoutMs);
  if (s && masterSideAsWanted(s, ms)) return [];
  return [{ kind: 'semisync_master', on: true, timeoutMs: ms, name: `semi-sync master on (AFTER_SYNC, timeout ${ms} ms)`, group: 'durability', halts: false }];
}

/** A demoted writer (or any node without the writer role) has the master side off. */
function semisyncMasterOff(p: PlanInput): Step[] {
  const s = p.observed.semisync;
  if (!p.semisync || s === null || (s && !s.masterEnabled)) return [];
  return [{ kind: 'semisync_master', on: false, name: 'semi-sync master off', group: 'durability', halts: false }];
}

/**
 * The replica side on every node (the writer's too: it is a replica of its peer, and the next
 * demotion makes it one of the new writer). The IO thread reads the setting when it connects: a
 * connected one is restarted, unless a re-point in this plan restarts it anyway.
 */
function semisyncSlaveSteps(p: PlanInput, repointing: boolean): Step[] {
  const s = p.observed.semisync;
  if (!p.semisync || s === null) return [];
  const connected = p.observed.replication?.ioConnected === true;
  const restartIo = connected && !repointing;
  if (s && s.slaveEnabled && (s.slaveActive || !restartIo)) return [];
  const name = `semi-sync replica on${restartIo ? ' (IO thread restarted)' : ''}`;
  return [{ kind: 'semisync_slave', restartIo, name, group: 'durability', halts: false }];
}

function repointSteps(p: PlanInput): Step[] {
  const { prev, next, host, observed: o } = p;
  if (host.mode !== 'slave' || next.activeMaster === '' || next.activeMaster === host.name) return [];
  if (next.state === 'ADMIN_OFFLINE') return []; // re-pointed when it leaves ADMIN_OFFLINE
  const target = own(p.masters, next.activeMaster); // a name from the wire: never Object.prototype's
  if (!target) {
    const reason = `unknown host '${next.activeMaster}'`;
    return [{ kind: 'unresolvable', reason, name: `re-point to ${next.activeMaster} (${reason})`, group: 'replication', halts: true }];
  }
  const needed =
    o.replication === undefined
      ? prev.activeMaster !== next.activeMaster
      : o.replication === null ||
        o.replication.host !== target.ip ||
        (o.replication.port !== undefined && o.replication.port !== target.port) ||
        o.replication.ioRefused === true;
  if (!needed) return [];
  const t = p.catchUpTimeoutMs;
  const steps: Step[] = [];
  if (o.replication !== null) steps.push({ kind: 'catch_up', timeoutMs: t, name: 'catch up before re-point', group: 'replication', halts: true });
  steps.push({
    kind: 'repoint', master: next.activeMaster, ip: target.ip, port: target.port, timeoutMs: t,
    ...(target.tls ? { tls: target.tls } : {}), name: `re-point to ${next.activeMaster}`, group: 'replication', halts: true,
  });
  return steps;
}

/** The wanted roles re-asserted after each monitor connection: VIPs present, writer writable,
 *  everyone else read-only. No catch-up: these are corrections, not a promotion. */
export function planReassert(held: WantedStatus, host: PlanHost, o: Observed, opts: { fenced?: boolean } = {}): Step[] {
  const steps: Step[] = [];
  // A fenced writer stays fenced until the monitor speaks again (which renews the lease).
  const roles = opts.fenced ? held.roles.filter((r) => r.name !== host.activeMasterRole) : held.roles;
  const writer = roles.some((r) => r.name === host.activeMasterRole);
  if (writer && o.readOnly !== false) steps.push({ kind: 'read_only', on: false, name: 'read_only=0', group: 'promote', halts: true });
  if (!writer && o.readOnly !== true) steps.push(denyWrite('demote'));
  for (const r of roles) {
    if (!definitelyPresent(o, r.ip)) {
      const group: StepGroup = r.name === host.activeMasterRole ? 'promote' : 'vip';
      steps.push({ kind: 'add_vip', role: r, name: `add ${roleToString(r)}`, group, halts: group === 'promote' });
    }
  }
  return steps;
}
