// The e2e write workload, run INSIDE a network namespace (`ip netns exec NS node writer-client.js
// HOST USER PASSWORD DATABASE TABLE DURATION_MS [FIRST_ID [CONNECTIONS]]`): CONNECTIONS (default 1)
// connections to HOST:3306 (the writer VIP) as the application user, each inserting its own
// disjoint id sequence (connection k of N: FIRST_ID + k, FIRST_ID + k + N, …), one short autocommit
// transaction at a time, for DURATION_MS. Every acknowledged insert prints `ack <id> <epoch ms>
// <server_id> <k>`; every failure `err <epoch ms> <id> <code> <message>`, after which that
// connection is dropped and a new one made (connectTimeout 1 s); each new connection prints
// `conn <epoch ms> <server_id> <k>`. An id whose insert failed is never reused: its outcome is
// unknown, so it is neither counted as acknowledged nor retried. Exits 0 at the end of the
// duration or on SIGTERM (prints `done` once every connection has stopped).
'use strict';
const mysql = require('mysql2/promise');

const [host, user, password, database, table, durationArg, firstArg, connsArg] = process.argv.slice(2);
const until = Date.now() + Number(durationArg);
const first = Number(firstArg || 1);
const conns = Math.max(1, Math.floor(Number(connsArg || 1)));
let stopping = false;
const out = (line) => process.stdout.write(`${line}\n`);
process.on('SIGTERM', () => (stopping = true));
process.on('SIGINT', () => (stopping = true));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const oneLine = (e) => String((e && e.message) || e).replace(/\s+/g, ' ').slice(0, 200);

/** Connection k: its own ids first + k, first + k + conns, … (disjoint from every other's). */
async function client(k) {
  let id = first + k;
  let conn = null;
  let sid = 0;
  while (!stopping && Date.now() < until) {
    if (!conn) {
      try {
        conn = await mysql.createConnection({ host, port: 3306, user, password, database, connectTimeout: 1000 });
        conn.on('error', () => undefined); // async socket errors: the next query fails and we reconnect
        const [[r]] = await conn.query({ sql: 'SELECT @@server_id AS sid', timeout: 2000 });
        sid = r.sid;
        out(`conn ${Date.now()} ${sid} ${k}`);
      } catch (e) {
        out(`err ${Date.now()} ${id} ${e.code || e.errno || 'CONNECT'} connect: ${oneLine(e)}`);
        if (conn) conn.destroy();
        conn = null;
        await sleep(50);
        continue;
      }
    }
    const mine = id;
    id += conns;
    try {
      await conn.query({ sql: `INSERT INTO \`${table}\` (id) VALUES (?)`, timeout: 2000 }, [mine]);
      out(`ack ${mine} ${Date.now()} ${sid} ${k}`);
    } catch (e) {
      out(`err ${Date.now()} ${mine} ${e.code || e.errno || 'QUERY'} ${oneLine(e)}`);
      try {
        conn.destroy();
      } catch {
        /* already gone */
      }
      conn = null;
      await sleep(50);
    }
  }
  if (conn) conn.destroy();
}

(async () => {
  await Promise.all(Array.from({ length: conns }, (_, k) => client(k)));
  out('done');
  process.exit(0);
})();
