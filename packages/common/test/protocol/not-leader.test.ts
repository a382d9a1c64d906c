import { expect } from 'chai';
import { leaderOfRefusal, texts } from '../../src';

describe('monitor HA: a follower\'s refusal and the leader address in it', () => {
  const cases: [string, string, string | undefined][] = [
    ['names the leader', texts.notLeader('mon2', { monitor: 'mon1', control: '10.0.0.1:9988', term: 7 }, ''), '10.0.0.1:9988'],
    ['an IPv6 leader', texts.notLeader('mon2', { monitor: 'mon1', control: '[fd00::1]:9988', term: 12 }, ''), '[fd00::1]:9988'],
    ['no leader known', texts.notLeader('mon2', undefined, 'etcd has no quorum'), ''],
    ['another ERROR', 'ERROR: Unknown host name \'db9\'!', undefined],
    ['an OK', texts.setOfflineOk('db1'), undefined],
  ];
  for (const [what, reply, want] of cases) it(`${what}: ${JSON.stringify(want)}`, () => expect(leaderOfRefusal(reply)).to.equal(want));

  it('says nothing changed and where to send it', () => {
    expect(texts.notLeader('mon2', { monitor: 'mon1', control: '10.0.0.1:9988', term: 7 }, '')).to.equal(
      "ERROR: Not the leader: monitor 'mon2' is a follower; the leader is 'mon1' at 10.0.0.1:9988 (term 7). Nothing changed; send state changes there.",
    );
  });
});
