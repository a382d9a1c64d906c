// Leader finding (monitor HA): given the addresses, whether the command changes the cluster and
// the tries so far, where the command goes next. Pure, one row per situation.
import { expect } from 'chai';
import { texts } from '@mmm/common';
import { namedLeader, nextStep, type Step, type Try } from '../src/client/leader';

const A = '10.0.0.1:9988';
const B = '10.0.0.2:9988';
const C = '10.0.0.3:9988';
const X = '10.0.0.9:9988'; // a leader not in the list
const LIST = [A, B, C];
const OK = "OK: State of 'db3' changed to ADMIN_OFFLINE. Now you can wait some time and check all roles!";
const refusedFor = (leader: string | undefined, self = 'mon2') =>
  texts.notLeader(self, leader ? { monitor: 'mon1', control: leader, term: 7 } : undefined, 'no leader key in etcd');
const reply = (address: string, text: string, via: Try['via'] = 'list'): Try => ({ address, via, outcome: 'reply', reply: text });
const down = (address: string, via: Try['via'] = 'list'): Try => ({ address, via, outcome: 'unreachable', reason: 'connection refused' });
const send = (address: string, via: Try['via'] = 'list'): Step => ({ kind: 'send', address, via });

describe('mmm_control: leader finding (nextStep)', () => {
  const table: [string, boolean, Try[], Step][] = [
    ['first try: the first address', true, [], send(A)],
    ['state change answered: done there', true, [reply(A, OK)], { kind: 'answered', address: A, reply: OK }],
    ['an ERROR that is not a follower refusal is an answer', true, [reply(A, "ERROR: Unknown host name 'dbX'!")], { kind: 'answered', address: A, reply: "ERROR: Unknown host name 'dbX'!" }],
    ['unreachable: the next address', true, [down(A)], send(B)],
    ['refusal naming a listed leader: that one next, out of order', true, [reply(A, refusedFor(C))], send(C, 'leader')],
    ['refusal naming an unlisted leader: it is tried', true, [reply(A, refusedFor(X))], send(X, 'leader')],
    ['the leader answers', true, [reply(A, refusedFor(X)), reply(X, OK, 'leader')], { kind: 'answered', address: X, reply: OK }],
    ['the leader refuses too, naming another: no second jump, the list in order', true,
      [reply(A, refusedFor(C)), reply(C, refusedFor(X, 'mon3'), 'leader')], send(B)],
    ['the named leader is unreachable: the list in order', true, [reply(A, refusedFor(C)), down(C, 'leader')], send(B)],
    ['refusal naming an address already tried: the list in order', true, [down(A), reply(B, refusedFor(A))], send(C)],
    ['refusal naming none: the list in order', true, [reply(A, refusedFor(undefined))], send(B)],
    ['a refusal naming something that is no address counts as naming none', true, [reply(A, refusedFor('nowhere:x'))], send(B)],
    ['every monitor refuses: the last refusal', true,
      [reply(A, refusedFor(undefined, 'mon1')), reply(B, refusedFor(undefined, 'mon2')), down(C)],
      { kind: 'refused', address: B, reply: refusedFor(undefined, 'mon2') }],
    ['every address unreachable: each and why', true, [down(A), down(B), down(C)],
      { kind: 'unreachable', failures: [A, B, C].map((address) => ({ address, reason: 'connection refused' })) }],
    ['read-only: the first that answers, even a follower', false, [down(A), reply(B, 'ACTIVE')], { kind: 'answered', address: B, reply: 'ACTIVE' }],
    ['read-only: a refusal is just an answer (nothing to redirect)', false, [reply(A, refusedFor(C))], { kind: 'answered', address: A, reply: refusedFor(C) }],
    ['read-only, every address unreachable', false, [down(A), down(B), down(C)],
      { kind: 'unreachable', failures: [A, B, C].map((address) => ({ address, reason: 'connection refused' })) }],
  ];
  for (const [what, changes, tries, want] of table) it(what, () => expect(nextStep(LIST, changes, tries)).to.deep.equal(want));

  it('never more tries than addresses + one jump to a named leader', () => {
    // Each monitor names the next unlisted one: the run still ends.
    const tries: Try[] = [];
    for (let i = 0; i < 10; i++) {
      const s = nextStep(LIST, true, tries);
      if (s.kind !== 'send') break;
      tries.push(reply(s.address, refusedFor(`10.0.1.${i}:9988`), s.via));
    }
    expect(tries.map((t) => t.address)).to.deep.equal([A, '10.0.1.0:9988', B, C]);
    expect(nextStep(LIST, true, tries).kind).to.equal('refused');
  });

  it('namedLeader: the address normalized, undefined for none or no refusal', () => {
    expect(namedLeader(refusedFor('[fd00::1]:9988'))).to.equal('[fd00::1]:9988');
    expect(namedLeader(refusedFor(A))).to.equal(A);
    expect(namedLeader(refusedFor(undefined))).to.equal(undefined);
    expect(namedLeader(OK)).to.equal(undefined);
  });
});
