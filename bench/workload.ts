// The benchmark's write workload. Runs INSIDE a node's network namespace (started with
// `ip netns exec NS node --import tsx bench/workload.ts …`) as the `app` user against the writer
// VIP: `--conns N` connections (default 1), each doing one INSERT (an autocommit transaction) after
// the other — or with `--tx` one short explicit transaction after the other (BEGIN, INSERT, COMMIT;
// acknowledged when COMMIT returns OK), each acknowledged write printed as a JSON line
// `{"ev":"ack","i":ID,"t":EPOCH_MS,"s":SERVER_ID,"l":COMMIT_MS,"c":CONN}` (SERVER_ID: @@server_id
// read when the connection was opened, so each ack names the node that acknowledged it; COMMIT_MS:
// INSERT sent → OK received). Ids are unique across connections. Errors reconnect (connect bound
// 1 s, query bound 2 s, 20 ms pause). SIGTERM (or --max-s) ends it.
//
// usage: workload.ts HOST USER PASSWORD DB TABLE [--start-id N] [--max-s S] [--conns N] [--tx]
import * as mysql from 'mysql2/promise';

const [host, user, password, database, table, ...rest] = process.argv.slice(2);
if (!host || !user || password === undefined || !database || !table) {
  process.stderr.write('usage: workload.ts HOST USER PASSWORD DB TABLE [--start-id N] [--max-s S] [--conns N] [--tx]\n');
  process.exit(2);
}
const opt = (name: string, def: number): number => {
  const i = rest.indexOf(name);
  return i >= 0 ? Number(rest[i + 1]) : def;
};
let id = opt('--start-id', 1);
const maxMs = opt('--max-s', 300) * 1000;
const conns = Math.max(1, Math.floor(opt('--conns', 1)));
const tx = rest.includes('--tx');
const started = Date.now();
let stop = false;
process.on('SIGTERM', () => (stop = true));
process.on('SIGINT', () => (stop = true));

const out: string[] = [];
const emit = (o: Record<string, unknown>): void => {
  out.push(JSON.stringify(o));
  if (out.length >= 64) flush();
};
const flush = (): void => {
  if (out.length) process.stdout.write(out.splice(0).join('\n') + '\n');
};
const flusher = setInterval(flush, 50);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function open(): Promise<{ conn: mysql.Connection; server: number }> {
  const conn = await mysql.createConnection({ host, user, password, database, connectTimeout: 1_000 });
  const [rows] = await conn.query({ sql: 'SELECT @@server_id AS s', timeout: 2_000 });
  return { conn, server: Number((rows as { s: number }[])[0]!.s) };
}

async function client(k: number): Promise<void> {
  let c: { conn: mysql.Connection; server: number } | undefined;
  let lastErr = '';
  while (!stop && Date.now() - started < maxMs) {
    try {
      if (!c) {
        c = await open();
        emit({ ev: 'conn', t: Date.now(), s: c.server, c: k });
      }
      const i = id++; // one event loop: unique across the clients
      const t0 = performance.now();
      if (tx) await c.conn.query({ sql: 'BEGIN', timeout: 2_000 });
      await c.conn.query({ sql: `INSERT INTO ${table} (id) VALUES (?)`, timeout: 2_000, values: [i] });
      if (tx) await c.conn.query({ sql: 'COMMIT', timeout: 2_000 });
      const l = Math.round((performance.now() - t0) * 1000) / 1000;
      emit({ ev: 'ack', i, t: Date.now(), s: c.server, l, c: k });
    } catch (e) {
      const m = (e as Error).message.split('\n')[0]!.slice(0, 160);
      if (m !== lastErr) emit({ ev: 'err', t: Date.now(), m, c: k });
      lastErr = m;
      const old = c;
      c = undefined;
      old?.conn.destroy();
      await sleep(20);
    }
  }
  c?.conn.destroy();
}

async function main(): Promise<void> {
  await Promise.all(Array.from({ length: conns }, (_, k) => client(k)));
  emit({ ev: 'end', t: Date.now() });
  clearInterval(flusher);
  flush();
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`workload: ${e.message}\n`);
    process.exit(1);
  },
);
