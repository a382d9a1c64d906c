// monitorRoute over an injected exchange: which monitor each exchange of a command reaches, the
// error of one unreachable address unchanged, MonitorsUnreachableError for several.
import { expect } from 'chai';
import { ConnectError, texts } from '@mmm/common';
import { MonitorsUnreachableError, monitorRoute } from '../src/client/route';
import type { MonitorEndpoint } from '../src/client/settings';

const ep = (host: string, port: number): MonitorEndpoint => ({ host, port, expectedName: host });
const A = ep('10.0.0.1', 9988);
const B = ep('10.0.0.2', 9988);
const refusal = texts.notLeader('mon1', { monitor: 'mon2', control: '10.0.0.9:19988', term: 3 }, '');

/** Answers per address: a string, or an error to throw. */
function fakeExchange(answers: Record<string, string | Error>) {
  const calls: string[] = [];
  const exchange = async (to: MonitorEndpoint, line: string): Promise<string> => {
    const key = `${to.host}:${to.port}`;
    calls.push(`${key} ${to.expectedName} ${line}`);
    const a = answers[key];
    if (a === undefined) throw new ConnectError(`connect ECONNREFUSED ${key}`);
    if (a instanceof Error) throw a;
    return a;
  };
  return { calls, exchange };
}

describe('mmm_control: monitorRoute', () => {
  it('a state change follows the refusal to the leader (unlisted: its certificate must name its host); later exchanges go there', async () => {
    const f = fakeExchange({ '10.0.0.2:9988': refusal, '10.0.0.9:19988': 'OK' });
    const r = monitorRoute({ monitors: [A, B], changesCluster: true, exchange: f.exchange });
    expect(await r.send('move_role writer db2')).to.equal('OK');
    expect(await r.send('status_json')).to.equal('OK');
    expect(r.answeredBy).to.equal('10.0.0.9:19988');
    expect(f.calls).to.deep.equal([
      '10.0.0.1:9988 10.0.0.1 move_role writer db2',
      '10.0.0.2:9988 10.0.0.2 move_role writer db2',
      '10.0.0.9:19988 10.0.0.9 move_role writer db2',
      '10.0.0.9:19988 10.0.0.9 status_json',
    ]);
  });

  it('a reading command stays with the first monitor that answered', async () => {
    const f = fakeExchange({ '10.0.0.1:9988': 'show text', '10.0.0.2:9988': 'other' });
    const r = monitorRoute({ monitors: [A, B], changesCluster: false, exchange: f.exchange });
    expect([await r.send('show'), await r.send('status_json')]).to.deep.equal(['show text', 'show text']);
    expect(f.calls.map((c) => c.split(' ')[0])).to.deep.equal(['10.0.0.1:9988', '10.0.0.1:9988']);
  });

  it('one address: its own error, as before monitor HA', async () => {
    const f = fakeExchange({});
    const r = monitorRoute({ monitors: [A], changesCluster: true, exchange: f.exchange });
    const e = await r.send('ping').catch((x: unknown) => x);
    expect(e).to.be.instanceOf(ConnectError).and.not.instanceOf(MonitorsUnreachableError);
  });

  it('several addresses, none reached: MonitorsUnreachableError with each address and why', async () => {
    const f = fakeExchange({});
    const r = monitorRoute({ monitors: [A, B], changesCluster: false, exchange: f.exchange });
    const e = await r.send('ping').catch((x: unknown) => x);
    expect(e).to.be.instanceOf(MonitorsUnreachableError);
    expect((e as MonitorsUnreachableError).failures.map((x) => x.address)).to.deep.equal(['10.0.0.1:9988', '10.0.0.2:9988']);
    expect((e as MonitorsUnreachableError).failures[0].reason).to.equal('connect ECONNREFUSED 10.0.0.1:9988');
  });

  it('an error that is not about reaching the monitor is not skipped over', async () => {
    const f = fakeExchange({ '10.0.0.1:9988': new TypeError('bug') });
    const r = monitorRoute({ monitors: [A, B], changesCluster: false, exchange: f.exchange });
    expect(await r.send('ping').catch((x: unknown) => x)).to.be.instanceOf(TypeError);
    expect(f.calls).to.have.length(1);
  });
});
