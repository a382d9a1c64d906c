// An application's MariaDB connection, run inside a node's network namespace by the agent
// integration tests: `node app-client.js HOST PORT USER PASSWORD`. Prints `connected <thread id>
// <server_id>`, then runs one statement per stdin line and prints `ok <json rows>` or
// `err <errno> <message>`. When the server ends the connection it prints `closed <code>` and exits.
'use strict';
const mysql = require('mysql2/promise');
const readline = require('node:readline');

const [host, port, user, password] = process.argv.slice(2);
let closed = false;
const close = (why) => {
  if (closed) return;
  closed = true;
  process.stdout.write(`closed ${why}\n`);
  process.exit(0);
};

(async () => {
  let conn;
  try {
    conn = await mysql.createConnection({ host, port: Number(port), user, password, connectTimeout: 5000 });
  } catch (e) {
    process.stdout.write(`err ${e.errno ?? -1} ${String(e.message).replace(/\n/g, ' ')}\n`);
    process.exit(1);
  }
  conn.connection.stream.on('close', () => close('socket'));
  conn.on('error', (e) => close(e.code ?? e.message));
  const [[r]] = await conn.query('SELECT CONNECTION_ID() AS id, @@server_id AS sid');
  process.stdout.write(`connected ${r.id} ${r.sid}\n`);
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (closed) break;
    try {
      const [rows] = await conn.query(line);
      process.stdout.write(`ok ${JSON.stringify(rows)}\n`);
    } catch (e) {
      if (e.fatal) close(e.code ?? 'fatal');
      else process.stdout.write(`err ${e.errno ?? -1} ${String(e.message).replace(/\n/g, ' ')}\n`);
    }
  }
  conn.destroy();
  process.exit(0);
})();
