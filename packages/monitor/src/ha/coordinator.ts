// What the monitor needs from the HA coordination (issue 19, docs/ha.md), so that it can be written
// and tested against a fake; EtcdCoordinator is the real one.

/** The leader as the `leader` key says; `term` is that key's create revision. */
export interface LeaderInfo {
  monitor: string;
  /** IP:PORT of its control port. */
  control: string;
  /** IP:PORT of its HTTPS API, when it has one. */
  http?: string;
  /** ISO time it was elected. */
  since: string;
  term: number;
}

export interface MonitorInfo {
  id: string;
  control: string;
  http?: string;
  leader: boolean;
}

export interface EtcdHealth {
  /** The last request to etcd (poll, keepalive, read or write) was answered. */
  reachable: boolean;
  /** etcd's cluster id, hex (SET_TERM's 7th field). */
  clusterId?: string;
  /** Why the last request failed, while unreachable. */
  error?: string;
}

export interface Coordinator {
  /** Connects, registers monitors/<id>, campaigns, watches leader/state/op. */
  start(): Promise<void>;
  /** Resigns if leader (deletes its leader key), revokes leases, closes. */
  stop(): Promise<void>;
  /** True only while the own deadline (monotonic) has not passed. */
  isLeader(): boolean;
  /** The current term while leader. */
  term(): number | undefined;
  /** The leader as last seen (self or other); undefined: none known. */
  leader(): LeaderInfo | undefined;
  monitors(): MonitorInfo[];
  etcd(): EtcdHealth;
  /** The latest `state` read from etcd (undefined: none stored). */
  readState(): Promise<unknown | undefined>;
  /** The follower's watched copy of `state`. */
  lastState(): unknown | undefined;
  /** Txn guarded by create_revision(leader) == term; MmmError STALE_TERM otherwise. */
  writeState(term: number, state: unknown): Promise<void>;
  readOp(): Promise<unknown | undefined>;
  /** null deletes; guarded. */
  writeOp(term: number, op: unknown | null): Promise<void>;
  /** history/<rev>, keeps the last HISTORY_KEEP; guarded. */
  appendHistory(term: number, entry: unknown): Promise<void>;
  on(ev: 'elected', f: (term: number) => void): void;
  /** Deadline passed, key lost, or resign. */
  on(ev: 'deposed', f: (why: string) => void): void;
  on(ev: 'leader', f: (l: LeaderInfo | undefined) => void): void;
  on(ev: 'state', f: (s: unknown) => void): void;
}
