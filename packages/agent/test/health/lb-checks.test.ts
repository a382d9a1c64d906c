// The load-balancer endpoints' decisions as a table: inputs → status and the body's verdict, and
// the request routing (404, 405, 400 and the max_lag parameter).
import { expect } from 'chai';
import { decideLbCheck, routeLbRequest, type LbInputs, type LbRequest } from '../../src/health/index';
import type { ReplicationHealth } from '../../src/health/index';

const repl = (over: Partial<ReplicationHealth> = {}): ReplicationHealth => ({
  masterHost: '10.0.0.11', ioRunning: true, sqlRunning: true, ioConnected: true, lastHeartbeatAgeMs: 100,
  gtidIoPos: '0-1-10', gtidSlavePos: '0-1-10', secondsBehindMaster: 0, ...over,
});

/** A healthy writer: writer role from the monitor, read_only=0, lease held, MySQL observed 200 ms ago. */
function writer(over: Partial<LbInputs> = {}): LbInputs {
  return {
    host: 'db1',
    state: 'ONLINE',
    roles: [{ name: 'writer' }, { name: 'reader' }],
    writerRole: 'writer',
    lease: { status: 'held', msLeft: 2450.4 },
    leaseConfigured: true,
    fenced: false,
    mysql: { facts: { answering: true, writable: true, replication: repl({ secondsBehindMaster: 7 }) }, ageMs: 200 },
    maxAgeMs: 3000,
    ...over,
  };
}

/** A healthy replica holding a reader role, 2 s behind. */
function replica(over: Partial<LbInputs> = {}): LbInputs {
  return writer({
    host: 'db3',
    roles: [{ name: 'reader' }],
    lease: { status: 'none', msLeft: undefined },
    mysql: { facts: { answering: true, writable: false, replication: repl({ secondsBehindMaster: 2 }) }, ageMs: 200 },
    ...over,
  });
}

const mysqlOf = (f: Partial<NonNullable<LbInputs['mysql']>['facts']>, ageMs = 200): LbInputs['mysql'] => ({
  facts: { answering: true, writable: false, replication: repl({ secondsBehindMaster: 2 }), ...f },
  ageMs,
});

interface Row {
  what: string;
  req: LbRequest;
  inputs: LbInputs;
  status: 200 | 503;
  reason?: RegExp;
}

const W: LbRequest = { check: 'writer' };
const R = (maxLag?: number): LbRequest => ({ check: 'reader', ...(maxLag !== undefined ? { maxLag } : {}) });
const H: LbRequest = { check: 'health' };

const rows: Row[] = [
  // /writer
  { what: 'writer: role, read_only=0, lease held, not fenced', req: W, inputs: writer(), status: 200 },
  { what: 'writer: no writer role (a replica)', req: W, inputs: replica(), status: 503, reason: /does not hold the writer role/ },
  { what: 'writer: role, but read_only=1 (demoted, or not yet promoted)', req: W, inputs: writer({ mysql: mysqlOf({ writable: false }) }), status: 503, reason: /read_only=1/ },
  { what: 'writer: read_only unknown', req: W, inputs: writer({ mysql: mysqlOf({ writable: undefined }) }), status: 503, reason: /read_only is unknown/ },
  { what: 'writer: lease expired (monitor silent for writer_lease)', req: W, inputs: writer({ lease: { status: 'expired', msLeft: 0 } }), status: 503, reason: /lease is expired/ },
  { what: 'writer: fenced', req: W, inputs: writer({ fenced: true, lease: { status: 'fenced', msLeft: 0 } }), status: 503, reason: /fenced/ },
  { what: 'writer: lease not taken yet (a writer SET_STATUS not fully applied)', req: W, inputs: writer({ lease: { status: 'none', msLeft: undefined } }), status: 503, reason: /lease is none/ },
  { what: 'writer: writer_lease 0: the role and read_only=0 suffice', req: W, inputs: writer({ leaseConfigured: false, lease: { status: 'none', msLeft: undefined } }), status: 200 },
  { what: 'writer: MySQL not answering (mariadbd killed)', req: W, inputs: writer({ mysql: mysqlOf({ answering: false, writable: undefined, replication: undefined }) }), status: 503, reason: /not answering/ },
  { what: 'writer: observation too old (the watch is stuck)', req: W, inputs: writer({ mysql: mysqlOf({ writable: true }, 3001) }), status: 503, reason: /no fresh observation/ },
  { what: 'writer: no observation yet (agent just started)', req: W, inputs: writer({ mysql: undefined }), status: 503, reason: /no fresh observation/ },
  { what: 'writer: after an agent restart (UNKNOWN, no roles)', req: W, inputs: writer({ state: 'UNKNOWN', roles: [], lease: { status: 'none', msLeft: undefined } }), status: 503, reason: /does not hold/ },
  // /reader
  { what: 'reader: ONLINE with a reader role, no bound', req: R(), inputs: replica(), status: 200 },
  { what: 'reader: lag 2 ≤ max_lag 2', req: R(2), inputs: replica(), status: 200 },
  { what: 'reader: lag 2 > max_lag 1.5', req: R(1.5), inputs: replica(), status: 503, reason: /lag 2 s > max_lag 1.5 s/ },
  { what: 'reader: SQL thread stopped: lag unknown', req: R(10), inputs: replica({ mysql: mysqlOf({ replication: repl({ sqlRunning: false, secondsBehindMaster: null }) }) }), status: 503, reason: /lag is unknown/ },
  { what: 'reader: IO thread stopped: lag unknown even if a number is left', req: R(10), inputs: replica({ mysql: mysqlOf({ replication: repl({ ioRunning: false, secondsBehindMaster: 0 }) }) }), status: 503, reason: /lag is unknown/ },
  { what: 'reader: no replication configured: lag unknown', req: R(10), inputs: replica({ mysql: mysqlOf({ replication: null }) }), status: 503, reason: /lag is unknown/ },
  { what: 'reader: no replication, no bound asked', req: R(), inputs: replica({ mysql: mysqlOf({ replication: null }) }), status: 200 },
  { what: 'reader: REPLICATION_DELAY', req: R(), inputs: replica({ state: 'REPLICATION_DELAY', roles: [] }), status: 503, reason: /state REPLICATION_DELAY/ },
  { what: 'reader: ADMIN_OFFLINE', req: R(), inputs: replica({ state: 'ADMIN_OFFLINE', roles: [] }), status: 503, reason: /state ADMIN_OFFLINE/ },
  { what: 'reader: ONLINE without any role', req: R(), inputs: replica({ roles: [] }), status: 503, reason: /no reader role/ },
  { what: 'reader: the writer with only the writer role does not count', req: R(), inputs: writer({ roles: [{ name: 'writer' }] }), status: 503, reason: /no reader role/ },
  { what: 'reader: the writer with a reader role counts, its lag is 0 (it is the source)', req: R(0), inputs: writer(), status: 200 },
  { what: 'reader: MySQL not answering', req: R(), inputs: replica({ mysql: mysqlOf({ answering: false }) }), status: 503, reason: /not answering/ },
  { what: 'reader: any non-writer role name counts', req: R(), inputs: replica({ roles: [{ name: 'reporting' }] }), status: 200 },
  // /health
  { what: 'health: MySQL answers', req: H, inputs: replica({ state: 'ADMIN_OFFLINE', roles: [] }), status: 200 },
  { what: 'health: MySQL does not answer', req: H, inputs: replica({ mysql: mysqlOf({ answering: false }) }), status: 503, reason: /not answering/ },
  { what: 'health: stale observation', req: H, inputs: replica({ mysql: mysqlOf({}, 5000) }), status: 503, reason: /no fresh observation/ },
];

describe('load-balancer health decisions', () => {
  for (const r of rows) {
    it(`${r.status} — ${r.what}`, () => {
      const a = decideLbCheck(r.req, r.inputs);
      expect(a.status, JSON.stringify(a.body)).to.equal(r.status);
      expect(a.body.ok).to.equal(r.status === 200);
      expect(a.body.check).to.equal(r.req.check);
      if (r.reason) expect(a.body.reason).to.match(r.reason);
      else expect(a.body).not.to.have.property('reason');
    });
  }

  it('reports the facts it decided on in a small body', () => {
    expect(decideLbCheck(W, writer()).body).to.deep.equal({
      host: 'db1', check: 'writer', ok: true, state: 'ONLINE', roles: ['reader', 'writer'], writer: true, read_only: false,
      lease: 'held', lease_ms: 2450, fenced: false, mysql: 'answering', lag: 0,
    });
    const dead = decideLbCheck(R(5), replica({ mysql: mysqlOf({ answering: false, writable: undefined, replication: undefined }) })).body;
    expect(dead).to.include({ ok: false, read_only: null, lease_ms: null, mysql: 'not answering', lag: null, writer: false });
    expect(decideLbCheck(H, replica({ mysql: undefined })).body).to.include({ mysql: 'unknown', read_only: null });
  });
});

describe('load-balancer request routing', () => {
  const table: Array<[string | undefined, string, ReturnType<typeof routeLbRequest>]> = [
    ['GET', '/writer', { kind: 'check', request: { check: 'writer' } }],
    ['HEAD', '/writer', { kind: 'check', request: { check: 'writer' } }],
    ['OPTIONS', '/health', { kind: 'check', request: { check: 'health' } }],
    ['GET', '/reader', { kind: 'check', request: { check: 'reader' } }],
    ['GET', '/reader?', { kind: 'check', request: { check: 'reader' } }],
    ['GET', '/reader?max_lag=5', { kind: 'check', request: { check: 'reader', maxLag: 5 } }],
    ['GET', '/reader?max_lag=0.5', { kind: 'check', request: { check: 'reader', maxLag: 0.5 } }],
    ['GET', '/reader?max_lag=0', { kind: 'check', request: { check: 'reader', maxLag: 0 } }],
  ];
  for (const [method, target, want] of table) {
    it(`${method} ${target} → ${want.kind === 'check' ? want.request.check : want.status}`, () => {
      expect(routeLbRequest(method, target)).to.deep.equal(want);
    });
  }

  const errors: Array<[string | undefined, string | undefined, number, RegExp]> = [
    ['GET', '/', 404, /unknown path/],
    ['GET', '/writer/', 404, /unknown path/],
    ['GET', '/primary', 404, /unknown path/],
    ['GET', undefined, 404, /unknown path/],
    ['POST', '/writer', 405, /POST not allowed/],
    ['DELETE', '/health', 405, /not allowed/],
    ['GET', '/reader?lag=5', 400, /unknown query parameter 'lag'.*allowed: max_lag/],
    ['GET', '/writer?max_lag=5', 400, /unknown query parameter 'max_lag' for \/writer$/],
    ['GET', '/reader?max_lag=5&max_lag=6', 400, /given twice/],
    ['GET', '/reader?max_lag=-1', 400, /max_lag must be/],
    ['GET', '/reader?max_lag=abc', 400, /max_lag must be/],
    ['GET', '/reader?max_lag=', 400, /max_lag must be/],
    ['GET', '/reader?max_lag=1e3', 400, /max_lag must be/],
    ['GET', '/reader?max_lag=Infinity', 400, /max_lag must be/],
  ];
  for (const [method, target, status, msg] of errors) {
    it(`${method} ${target ?? '(none)'} → ${status}`, () => {
      const r = routeLbRequest(method, target);
      expect(r.kind).to.equal('error');
      if (r.kind === 'error') {
        expect(r.status).to.equal(status);
        expect(r.message).to.match(msg);
      }
    });
  }
});
