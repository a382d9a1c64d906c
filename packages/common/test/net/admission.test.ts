// admission.ts: which sockets a listener keeps, as scripts of arrivals, first bytes, trims and
// handshakes over string keys, with the sockets each step evicts.
import { expect } from 'chai';
import { Admission, HARD_CAP_FACTOR, admissionLimits, sourceOf, type AdmissionLimits } from '../../src/net/admission';
import { MmmError } from '../../src/errors';

type Step =
  | { arrive: string; from: string; at: number; evicts?: string[] }
  | { spoke: string }
  | { trim: number; evicts: string[] }
  | { nextTrimAt: number | undefined }
  | { establish: string; ok: boolean }
  | { release: string }
  | { counts: { unauthenticated: number; established: number } };

interface Case {
  name: string;
  limits: Partial<AdmissionLimits>;
  steps: Step[];
}

/** `n` arrivals `prefix1..prefixN` from `from` at `at`, evicting nothing. */
const many = (prefix: string, n: number, from: string, at: number): Step[] =>
  Array.from({ length: n }, (_, i) => ({ arrive: `${prefix}${i + 1}`, from, at, evicts: [] }));

const G = 250; // the default grace
const A = '10.0.0.1';
const B = '10.0.0.2';
const C = '10.0.0.3';

const cases: Case[] = [
  {
    name: 'within the limits nothing is evicted',
    limits: { perSource: 2, unauthenticated: 4 },
    steps: [...many('a', 2, A, 0), ...many('b', 2, B, 0), { nextTrimAt: undefined }, { trim: 10_000, evicts: [] }],
  },
  {
    name: 'a source over perSource keeps its sockets in their grace; the trim at its end evicts the oldest',
    limits: { perSource: 2, unauthenticated: 8 },
    steps: [...many('a', 3, A, 0), { nextTrimAt: G }, { trim: G - 1, evicts: [] }, { trim: G, evicts: ['a1'] }, { nextTrimAt: undefined }],
  },
  {
    name: 'an arrival from a source over perSource evicts its oldest socket past the grace',
    limits: { perSource: 2, unauthenticated: 8 },
    steps: [
      ...many('a', 2, A, 0),
      { arrive: 'a3', from: A, at: G, evicts: ['a1'] },
      { arrive: 'a4', from: A, at: G + 1, evicts: ['a2'] },
      { arrive: 'a5', from: A, at: G + 2, evicts: [] }, // a3 and a4 are in their grace
    ],
  },
  {
    name: 'a socket that spoke is not evicted for the limits: the silent one goes, even a younger one',
    limits: { perSource: 2, unauthenticated: 8 },
    steps: [
      { arrive: 'a1', from: A, at: 0 },
      { spoke: 'a1' },
      { arrive: 'a2', from: A, at: 1 },
      { arrive: 'a3', from: A, at: G + 1, evicts: ['a2'] },
    ],
  },
  {
    name: 'a source whose sockets all spoke stays over perSource (below the hard cap)',
    limits: { perSource: 1, unauthenticated: 8 },
    steps: [{ arrive: 'a1', from: A, at: 0 }, { spoke: 'a1' }, { arrive: 'a2', from: A, at: 0 }, { spoke: 'a2' }, { nextTrimAt: undefined }, { trim: 10_000, evicts: [] }],
  },
  {
    name: 'the pool full: a newcomer from another address evicts from the source holding the most',
    limits: { perSource: 4, unauthenticated: 4 },
    steps: [...many('a', 3, A, 0), { arrive: 'b1', from: B, at: 0 }, { arrive: 'c1', from: C, at: G, evicts: ['a1'] }, { counts: { unauthenticated: 4, established: 0 } }],
  },
  {
    name: 'the pool full with a tie: the source seen first gives',
    limits: { perSource: 4, unauthenticated: 4 },
    steps: [...many('b', 2, B, 0), ...many('a', 2, A, 0), { arrive: 'c1', from: C, at: G, evicts: ['b1'] }],
  },
  {
    name: 'the pool full, the largest source still in its grace: the next largest past it gives',
    limits: { perSource: 4, unauthenticated: 4 },
    steps: [{ arrive: 'b1', from: B, at: 0 }, ...many('a', 3, A, 100), { arrive: 'c1', from: C, at: G, evicts: ['b1'] }],
  },
  {
    name: 'the pool full, everyone in the grace: the newcomer is still admitted, the trim follows',
    limits: { perSource: 2, unauthenticated: 2 },
    steps: [...many('a', 2, A, 0), { arrive: 'c1', from: C, at: 10, evicts: [] }, { nextTrimAt: G }, { trim: G, evicts: ['a1'] }, { nextTrimAt: undefined }],
  },
  {
    name: 'at the hard cap a newcomer evicts the oldest silent socket of the largest source, grace or not',
    limits: { perSource: 2, unauthenticated: 2 },
    steps: [
      ...many('a', 2 * HARD_CAP_FACTOR - 1, A, 0),
      { spoke: 'a1' },
      { arrive: 'b1', from: B, at: 1, evicts: [] },
      { arrive: 'b2', from: B, at: 2, evicts: ['a2'] },
      { counts: { unauthenticated: 2 * HARD_CAP_FACTOR, established: 0 } },
    ],
  },
  {
    name: 'at the hard cap with every socket of the largest source spoken: its oldest goes',
    limits: { perSource: 1, unauthenticated: 1 },
    steps: [
      ...many('a', HARD_CAP_FACTOR, A, 0),
      ...Array.from({ length: HARD_CAP_FACTOR }, (_, i): Step => ({ spoke: `a${i + 1}` })),
      { arrive: 'b1', from: B, at: 1, evicts: ['a1'] },
    ],
  },
  {
    name: 'established connections have a pool of their own: unauthenticated sockets never fill it',
    limits: { perSource: 2, unauthenticated: 2, established: 1 },
    steps: [
      { arrive: 'm1', from: A, at: 0 },
      { establish: 'm1', ok: true },
      ...many('x', 2, B, 1),
      { counts: { unauthenticated: 2, established: 1 } },
      { arrive: 'm2', from: A, at: 2 },
      { establish: 'm2', ok: false }, // the established pool is full: close it
      { counts: { unauthenticated: 2, established: 1 } },
      { release: 'm1' },
      { arrive: 'm3', from: A, at: 3 },
      { establish: 'm3', ok: true },
    ],
  },
  {
    name: 'an evicted or unknown socket is not established; release is idempotent',
    limits: { perSource: 1, unauthenticated: 4 },
    steps: [
      { arrive: 'a1', from: A, at: 0 },
      { arrive: 'a2', from: A, at: G, evicts: ['a1'] },
      { establish: 'a1', ok: false },
      { establish: 'zz', ok: false },
      { release: 'a2' },
      { release: 'a2' },
      { counts: { unauthenticated: 0, established: 0 } },
    ],
  },
  {
    name: 'graceMs 0: the limits bite at the arrival that crosses them',
    limits: { perSource: 1, unauthenticated: 4, graceMs: 0 },
    steps: [{ arrive: 'a1', from: A, at: 0 }, { arrive: 'a2', from: A, at: 0, evicts: ['a1'] }],
  },
];

describe('net: admission (unauthenticated and established pools)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const adm = new Admission<string>(c.limits);
      c.steps.forEach((s, i) => {
        const at = `step ${i} ${JSON.stringify(s)}`;
        if ('arrive' in s) {
          const got = adm.arrive(s.arrive, s.from, s.at).map((v) => v.key);
          if (s.evicts) expect(got, at).to.deep.equal(s.evicts);
        } else if ('spoke' in s) adm.spoke(s.spoke);
        else if ('trim' in s) expect(adm.trim(s.trim).map((v) => v.key), at).to.deep.equal(s.evicts);
        else if ('nextTrimAt' in s) expect(adm.nextTrimAt(), at).to.equal(s.nextTrimAt);
        else if ('establish' in s) expect(adm.establish(s.establish), at).to.equal(s.ok);
        else if ('release' in s) adm.release(s.release);
        else expect({ unauthenticated: adm.unauthenticatedCount, established: adm.establishedCount }, at).to.deep.equal(s.counts);
      });
    });
  }

  it('evictions name the source they came from', () => {
    const adm = new Admission<string>({ perSource: 1, unauthenticated: 4 });
    adm.arrive('a1', A, 0);
    expect(adm.arrive('a2', A, G)).to.deep.equal([{ key: 'a1', source: A }]);
  });

  it('a flood of silent sockets from the client’s own address: the client that spoke survives every trim', () => {
    const adm = new Admission<string>();
    let t = 0;
    for (let i = 0; i < 300; i++) adm.arrive(`f${i}`, A, t++);
    adm.arrive('client', A, t);
    adm.spoke('client');
    const evicted = new Set<string>();
    for (let i = 300; i < 5000; i++) {
      t += 1;
      for (const v of adm.arrive(`f${i}`, A, t)) evicted.add(v.key);
      for (const v of adm.trim(t)) evicted.add(v.key);
    }
    expect(evicted.has('client')).to.equal(false);
    expect(adm.establish('client')).to.equal(true);
    expect(adm.unauthenticatedCount).to.be.at.most(adm.hardCap);
  });

  it('limits: defaults 16 per source, 128 in all, 256 established, 250 ms grace; bad values refused', () => {
    expect(admissionLimits()).to.deep.equal({ perSource: 16, unauthenticated: 128, established: 256, graceMs: 250 });
    expect(new Admission().hardCap).to.equal(128 * HARD_CAP_FACTOR);
    for (const bad of [{ perSource: 0 }, { unauthenticated: 1.5 }, { established: -1 }, { graceMs: -1 }, { perSource: 200 }]) {
      expect(() => admissionLimits(bad), JSON.stringify(bad)).to.throw(MmmError, /admission limit/);
    }
    expect(admissionLimits({ graceMs: 0 }).graceMs).to.equal(0);
  });
});

describe('net: sourceOf (what a per-source limit counts against)', () => {
  const table: Array<[string | undefined, string]> = [
    ['127.0.0.2', '127.0.0.2'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['::FFFF:10.1.2.3', '10.1.2.3'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff::9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8::/64'],
    ['2001:0db8:0000:0001::', '2001:db8:0:1::/64'],
    ['::1', '::/64'],
    ['fe80::1%eth0', 'fe80::/64'],
    ['not an address', 'not an address'],
    ['1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8:9'],
    [undefined, '?'],
  ];
  for (const [address, source] of table) {
    it(`${String(address)} → ${source}`, () => expect(sourceOf(address)).to.equal(source));
  }
});
