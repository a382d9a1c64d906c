// What a SET_TERM does to the term record (monitor HA, issue 19), pure. The term is the fencing
// token: the highest one wins, each term belongs to the monitor id it was first seen from, and a
// changed etcd cluster id (a new etcd cluster, whose revisions start again) starts over.
import { termTexts } from '@mmm/common';
import { TERM_SCHEMA, type TermRecord } from './record';

export interface TermOffer {
  cluster: string;
  term: number;
  monitor: string;
  etcdClusterId?: string;
}

export type TermDecision =
  | {
      ok: true;
      next: TermRecord;
      /** The record changed: persist it before answering OK. */
      write: boolean;
      /** first: no term before; same: the current term again; higher: a new term; restart: another etcd cluster. */
      change: 'first' | 'same' | 'higher' | 'restart';
    }
  /** Refused, nothing changed; the agent closes that connection. */
  | { ok: false; text: string };

export function decideTerm(rec: TermRecord | undefined, offer: TermOffer, at: string): TermDecision {
  const fresh = (): TermRecord => ({
    schema: TERM_SCHEMA, cluster: offer.cluster, etcdClusterId: offer.etcdClusterId ?? '', term: offer.term, monitor: offer.monitor, at,
  });
  if (!rec) return { ok: true, next: fresh(), write: true, change: 'first' };
  // Revisions of two etcd clusters cannot be compared: the new cluster's terms count from now on.
  if (offer.etcdClusterId && rec.etcdClusterId && offer.etcdClusterId !== rec.etcdClusterId) {
    return { ok: true, next: fresh(), write: true, change: 'restart' };
  }
  if (offer.term < rec.term) return { ok: false, text: termTexts.stale(offer.term, rec.term) };
  if (offer.term > rec.term) return { ok: true, next: fresh(), write: true, change: 'higher' };
  if (offer.monitor !== rec.monitor) return { ok: false, text: termTexts.owned(offer.term, rec.monitor) };
  // The same term from its monitor: written again only when it names what the record lacks.
  const etcdClusterId = rec.etcdClusterId || (offer.etcdClusterId ?? '');
  if (etcdClusterId === rec.etcdClusterId && offer.cluster === rec.cluster) return { ok: true, next: rec, write: false, change: 'same' };
  return { ok: true, next: { ...rec, cluster: offer.cluster, etcdClusterId, at }, write: true, change: 'same' };
}

/** The term a connection follows: set by its last accepted SET_TERM. */
export interface ConnTerm {
  term: number;
  monitor: string;
  /** The agent's term epoch when it was accepted (term-state.ts): a restart of the record ends it. */
  epoch: number;
}

/** The agent's side of the gate: its record and epoch. */
export interface TermInForce {
  record: TermRecord | undefined;
  epoch: number;
}

/**
 * Why a state-changing command on a connection following `conn` must be refused, or undefined.
 * No term ever seen: every connection is accepted, as before monitor HA (an MMM 2.x monitor).
 */
export function termGateRefusal(t: TermInForce, conn: ConnTerm | undefined): string | undefined {
  const rec = t.record;
  if (!rec) return undefined;
  if (!conn || conn.epoch !== t.epoch) return termTexts.follows(rec.term, rec.monitor);
  if (conn.term < rec.term) return termTexts.stale(conn.term, rec.term);
  if (conn.monitor !== rec.monitor) return termTexts.owned(rec.term, rec.monitor);
  return undefined;
}
