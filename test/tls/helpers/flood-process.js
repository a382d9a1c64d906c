// A connection flood in its own process (an attacker is not the client's event loop): COUNT TCP
// sockets from LOCAL to HOST:PORT that never send a byte; each one the server closes is opened
// again at once. Prints {"opened":N,"closedByPeer":N,"open":N} every 200 ms; SIGTERM ends it.
// Usage: node flood-process.js HOST PORT LOCAL COUNT
'use strict';
const net = require('node:net');

const [host, portText, localAddress, countText] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const live = new Set();
let opened = 0;
let closedByPeer = 0;
let stopped = false;

function one() {
  if (stopped) return;
  const s = net.connect({ host, port, localAddress });
  opened++;
  live.add(s);
  s.on('error', () => {});
  s.once('close', () => {
    live.delete(s);
    if (stopped) return;
    closedByPeer++;
    setImmediate(one);
  });
}

const report = () => process.stdout.write(`${JSON.stringify({ opened, closedByPeer, open: live.size })}\n`);
setInterval(report, 200);
process.on('SIGTERM', () => {
  stopped = true;
  for (const s of live) s.destroy();
  report();
  process.exit(0);
});
for (let i = 0; i < count; i++) one();
