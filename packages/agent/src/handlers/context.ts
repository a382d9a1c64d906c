// What every agent command handler gets: this host's config, its system ports and the wanted state.
import type { AgentRequest, Logger, MmmConfig, HostConfig, AgentReplyInput } from '@mmm/common';
import type { LocalMysql } from '../system/mysql';
import type { VipManager } from '../system/ip';
import type { WantedStatus, PlanHost, MasterAddress } from '../roles/plan';
import type { ApplyDeps } from '../roles/apply';
import type { LeaseGuard, RequestOrigin } from '../lease/index';
import type { HealthEvents, HealthFacts } from '../health/index';
import type { ConnTerm, TermInForce, TermStore } from '../term/index';

export interface AgentContext {
  config: MmmConfig;
  host: HostConfig;
  planHost: PlanHost;
  mysql: LocalMysql;
  vips: VipManager;
  apply: ApplyDeps;
  lease: LeaseGuard;
  /** Latest health facts (kept fresh by the health watch). */
  health: () => Promise<HealthFacts>;
  /** The health generation that WATCH_HEALTH waits on. */
  healthEvents: HealthEvents;
  logger: Logger;
  now: () => number;
  /** Current uptime text for the `|UP:` suffix. */
  uptime: () => Promise<string>;
  /** The state the monitor last asked for (UNKNOWN after a restart). */
  wanted: WantedStatus;
  /** Role IPs of every configured role, for GET_SYSTEM_STATUS and CLEAR_BAD_ROLES. */
  roleIps: Array<{ name: string; ip: string }>;
  writerIps: string[];
  /** No role sections in the config (an MMM 1.x agent file): role IPs are learned from SET_STATUS. */
  learnRoles: boolean;
  masters: Readonly<Record<string, MasterAddress>>;
  catchUpTimeoutMs: number;
  graceMs: number;
  /** durability semisync (semisync_timeout in ms); undefined with async: semi-sync is never touched. */
  semisync?: { timeoutMs: number };
  /** Serializes every state change (SET_STATUS, CLEAR_BAD_ROLES, re-assertion, fencing). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** connSeq of the newest connection that delivered a SET_STATUS (lease/stale-status.ts). */
  newestStatusConn: number;
  /** The newest connSeq when the lease fenced this host; meaningful while `lease.fenced`. */
  fencedAtConn: number;
  /** Monitor HA: the highest term seen (undefined: never one) and its epoch, which a changed
   *  etcd cluster id advances (term/decide.ts); the file it is kept in. */
  term: TermInForce & { store: TermStore };
}

/** Where a request came from; a handler sets `close` to end that connection after its reply. */
export interface RequestContext extends RequestOrigin {
  close?: boolean;
  /** The term this connection follows (its last accepted SET_TERM); undefined: term-less. */
  term?: ConnTerm;
  /** Resolves when the request's connection closed (a standing request stops waiting). */
  closed?: Promise<void>;
  /** Who sent it (certificate fingerprint, or address of a plain peer): standing requests are bounded per peer. */
  peerKey?: string;
}

export type Handler<K extends AgentRequest['kind'] = AgentRequest['kind']> = (
  ctx: AgentContext,
  req: Extract<AgentRequest, { kind: K }>,
  from: RequestContext,
) => Promise<Omit<AgentReplyInput, 'uptime'>>;
