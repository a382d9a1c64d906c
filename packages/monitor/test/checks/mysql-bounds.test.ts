// MySQL checks stay within their timeout when the server is absent or silent (no MariaDB needed).
import { expect } from 'chai';
import { type Server, type Socket, createServer } from 'node:net';
import { MysqlSessions, makeMysqlCheck, makeRepBacklogCheck, makeRepThreadsCheck } from '../../src/checks';
import { checkConfig, hostConfig } from './fixtures';
import { freePort } from './mariadb-harness';

describe('mysql checks: bounds', () => {
  let sessions: MysqlSessions;
  beforeEach(() => {
    sessions = new MysqlSessions();
  });
  afterEach(() => sessions.close());

  const host = (port: number) => hostConfig({ mysqlPort: port, monitorUser: 'mon', monitorPassword: 'pw' });

  it('closed port: mysql ERROR, rep_* UNKNOWN, within the timeout', async () => {
    const port = await freePort();
    const t0 = Date.now();
    const m = await makeMysqlCheck(sessions)(host(port), checkConfig('mysql', { timeout: 1 }));
    expect(Date.now() - t0).to.be.below(1000 + 500);
    expect(m.status).to.equal('ERROR');
    expect(m.message).to.match(/^ERROR: Connect error \(host = 127\.0\.0\.1:\d+, user = mon\)! .*ECONNREFUSED/);
    expect((await makeRepThreadsCheck(sessions)(host(port), checkConfig('rep_threads'))).status).to.equal('UNKNOWN');
    expect((await makeRepBacklogCheck(sessions)(host(port), checkConfig('rep_backlog'))).status).to.equal('UNKNOWN');
  });

  describe('a server that accepts and never answers', () => {
    let server: Server;
    let port: number;
    const sockets: Socket[] = [];
    before(async () => {
      server = createServer((s) => sockets.push(s));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as { port: number }).port;
    });
    after(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    });

    it('mysql: ERROR within the timeout, and the socket is closed', async () => {
      const t0 = Date.now();
      const r = await makeMysqlCheck(sessions)(host(port), checkConfig('mysql', { timeout: 0.3 }));
      expect(Date.now() - t0).to.be.below(300 + 500);
      expect(r.status).to.equal('ERROR');
      expect(sessions.stats().open).to.equal(0);
      await new Promise((r) => setTimeout(r, 50));
      expect(sockets.filter((s) => !s.destroyed && s.readable).length).to.equal(0);
    });

    it('rep_threads: UNKNOWN (cannot connect) within the timeout', async () => {
      const t0 = Date.now();
      const r = await makeRepThreadsCheck(sessions)(host(port), checkConfig('rep_threads', { timeout: 0.3 }));
      expect(Date.now() - t0).to.be.below(300 + 500);
      expect(r.status).to.equal('UNKNOWN');
      expect(r.message).to.match(/^UNKNOWN: Connect error/);
    });
  });

  it('no monitor_user: ERROR without connecting', async () => {
    const r = await makeMysqlCheck(sessions)(hostConfig(), checkConfig('mysql'));
    expect(r.status).to.equal('ERROR');
    expect(sessions.stats().connects).to.equal(0);
  });

  it('closed sessions: connect error, no new connection', async () => {
    await sessions.close();
    const r = await makeMysqlCheck(sessions)(host(1), checkConfig('mysql'));
    expect(r.status).to.equal('ERROR');
    expect(sessions.stats().connects).to.equal(0);
  });
});
