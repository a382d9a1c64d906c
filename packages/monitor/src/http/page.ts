// The status page at `/` (read-only; a viewer certificate is enough): one static HTML document
// with its CSS and script inline and nothing from elsewhere. The script fetches
// /api/v1/cluster and /api/v1/history from the same origin every few seconds (the browser
// presents its client certificate again) and renders them with textContent only, so nothing a
// reason or a host name holds can become markup. The Content-Security-Policy allows exactly this
// style and this script (by hash) and connections to this origin, nothing else.
//
// The DOM is kept simple and stable for browser tests (and scripts that scrape it):
//   #mode, #generated, #error (hidden unless the last refresh failed), #warnings (li per warning)
//   <table id="hosts">: one <tr data-host="NAME" data-state="STATE"> per host, cells with the
//     classes name, ip, state, roles, writable, lag, threads, lease, checks, since
//   <table id="roles">: one <tr data-role="NAME"> per role (classes name, mode, ips, reason)
//   #diagnoses (li data-code, data-host), #last-move, #decisions (li, newest first)
//   <ol id="history">: one <li data-kind="KIND" data-time="ISO"> per entry, newest first,
//     class "blocked" on blocked decisions
import { createHash } from 'node:crypto';

/** Seconds between refreshes. */
export const PAGE_REFRESH_SECONDS = 3;
/** History entries the page shows. */
export const PAGE_HISTORY_LIMIT = 50;

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1em 2em; color: #222; background: #fafafa; }
h1 { font-size: 1.4em; margin: 0 0 .3em; }
h2 { font-size: 1.1em; margin: 1.2em 0 .4em; }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
.meta { color: #666; }
#error { color: #fff; background: #b00020; padding: .4em .8em; }
#warnings li, .blocked { color: #b00020; }
.ok { color: #1b5e20; }
.bad { color: #b00020; font-weight: bold; }
td.state.s-ONLINE { color: #1b5e20; font-weight: bold; }
td.state.s-HARD_OFFLINE, td.state.s-REPLICATION_FAIL { color: #b00020; font-weight: bold; }
td.state.s-ADMIN_OFFLINE, td.state.s-AWAITING_RECOVERY, td.state.s-REPLICATION_DELAY { color: #e65100; font-weight: bold; }
ol, ul { background: #fff; border: 1px solid #ddd; padding: .4em .4em .4em 2.4em; margin: 0; }
li { margin: .1em 0; }
.time { color: #666; font-variant-numeric: tabular-nums; }
.hidden { display: none; }
`;

const SCRIPT = `
(function () {
  'use strict';
  var REFRESH_MS = ${PAGE_REFRESH_SECONDS * 1000};
  var HISTORY = '/api/v1/history?limit=${PAGE_HISTORY_LIMIT}';
  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }
  function time(iso) { return iso ? new Date(iso).toLocaleString() : '-'; }
  function yesNo(v, good) {
    if (v === null || v === undefined) return el('span', '?');
    return el('span', v ? 'yes' : 'no', v === good ? 'ok' : 'bad');
  }
  function cell(tr, cls, content) {
    var td = el('td', undefined, cls);
    if (content instanceof Node) td.appendChild(content); else td.textContent = content;
    tr.appendChild(td);
    return td;
  }
  function lease(h) {
    var l = h.lease;
    if (l === undefined || l === null) return '?';
    if (!l.held) return 'none';
    if (l.remainingMs === null) return 'held';
    return l.remainingMs <= 0 ? 'FENCED' : 'held, ' + (l.remainingMs / 1000).toFixed(1) + ' s left';
  }
  function threads(h) {
    var r = h.replication;
    var span = el('span');
    if (r === undefined || r === null) { span.textContent = '-'; return span; }
    span.appendChild(el('span', 'IO ')); span.appendChild(yesNo(r.ioConnected, true));
    span.appendChild(el('span', ' SQL ')); span.appendChild(yesNo(r.sqlRunning, true));
    if (r.lastReceiveAgeMs !== null) span.appendChild(el('span', ' (heard ' + (r.lastReceiveAgeMs / 1000).toFixed(1) + ' s ago)', 'meta'));
    return span;
  }
  function checks(h) {
    var span = el('span');
    h.checks.forEach(function (c, i) {
      if (i > 0) span.appendChild(document.createTextNode(' '));
      var s = el('span', c.name, c.ok ? 'ok' : 'bad');
      s.title = c.message;
      span.appendChild(s);
    });
    return span;
  }
  function renderHosts(doc) {
    var body = $('hosts').tBodies[0];
    clear(body);
    doc.hosts.forEach(function (h) {
      var tr = el('tr');
      tr.setAttribute('data-host', h.name);
      tr.setAttribute('data-state', h.state);
      cell(tr, 'name', h.name);
      cell(tr, 'ip', h.ip + ' (' + h.mode + ')');
      cell(tr, 'state s-' + h.state, h.state + (h.flapping ? ' (flapping)' : ''));
      cell(tr, 'roles', h.roles.map(function (r) { return r.name + '(' + r.ip + ')'; }).join(', ') || '-');
      cell(tr, 'writable', yesNo(h.writable, h.roles.some(function (r) { return doc.roles.some(function (x) { return x.activeMaster && x.name === r.name; }); })));
      cell(tr, 'lag', h.replicationLagSeconds === null ? '-' : h.replicationLagSeconds + ' s');
      cell(tr, 'threads', threads(h));
      cell(tr, 'lease', lease(h));
      cell(tr, 'checks', checks(h));
      cell(tr, 'since', time(h.stateChangedAt));
      body.appendChild(tr);
    });
  }
  function renderRoles(doc) {
    var body = $('roles').tBodies[0];
    clear(body);
    doc.roles.forEach(function (r) {
      var tr = el('tr');
      tr.setAttribute('data-role', r.name);
      cell(tr, 'name', r.name + (r.activeMaster ? ' (writer)' : ''));
      cell(tr, 'mode', r.mode);
      cell(tr, 'ips', r.ips.map(function (i) { return i.ip + ' → ' + (i.assignedTo || 'nobody'); }).join(', '));
      cell(tr, 'reason', r.reason || '-');
      body.appendChild(tr);
    });
  }
  function list(id, items, render, empty) {
    var ul = $(id);
    clear(ul);
    if (items.length === 0) { ul.appendChild(el('li', empty, 'meta')); return; }
    items.forEach(function (x) { ul.appendChild(render(x)); });
  }
  function entry(d) {
    var li = el('li', undefined, d.blocked ? 'blocked' : '');
    li.setAttribute('data-kind', d.kind);
    li.setAttribute('data-time', d.time);
    li.appendChild(el('span', time(d.time) + ' ', 'time'));
    li.appendChild(el('b', d.kind + (d.blocked ? ' (blocked)' : '') + ': '));
    li.appendChild(document.createTextNode(d.reason));
    if (typeof d.durationMs === 'number') li.appendChild(el('span', ' (' + (d.durationMs / 1000).toFixed(1) + ' s)', 'meta'));
    return li;
  }
  function renderCluster(doc) {
    $('mode').textContent = doc.mode + (doc.passiveCause ? ' (' + doc.passiveCause + ')' : '');
    $('generated').textContent = time(doc.generatedAt);
    list('warnings', doc.warnings, function (w) { return el('li', w); }, 'none');
    renderHosts(doc);
    renderRoles(doc);
    list('diagnoses', doc.diagnoses || [], function (d) {
      var li = el('li', d.code + (d.host ? ' on ' + d.host : '') + ': ' + (d.detail || d.description));
      li.setAttribute('data-code', d.code);
      if (d.host) li.setAttribute('data-host', d.host);
      return li;
    }, 'none');
    var m = doc.lastMove;
    $('last-move').textContent = m ? m.role + ' ' + (m.from || 'nobody') + ' → ' + m.to + ': ' + m.outcome +
      (m.durationMs !== null ? ' in ' + (m.durationMs / 1000).toFixed(1) + ' s' : '') + ' (' + time(m.startedAt) + ')' + (m.reason ? ': ' + m.reason : '') : 'none';
    list('decisions', doc.decisions.slice().reverse().slice(0, 20), entry, 'none');
  }
  function get(url) {
    return fetch(url, { cache: 'no-store', credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) return r.json().then(function (b) { throw new Error(url + ': ' + r.status + ' ' + (b && b.message ? b.message : '')); }, function () { throw new Error(url + ': HTTP ' + r.status); });
      return r.json();
    });
  }
  function refresh() {
    Promise.all([get('/api/v1/cluster'), get(HISTORY)]).then(function (res) {
      renderCluster(res[0]);
      list('history', res[1].entries, entry, 'no history yet');
      $('error').className = 'hidden';
    }).catch(function (e) {
      var err = $('error');
      err.textContent = 'Refresh failed (the data shown may be old): ' + e.message;
      err.className = '';
    }).then(function () { setTimeout(refresh, REFRESH_MS); });
  }
  refresh();
})();
`;

const sha256 = (s: string): string => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

/** Only this page's own style and script, and requests to its own origin. */
export const PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const STATUS_PAGE_HTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mmm status</title>
<style>${STYLE}</style>
</head>
<body>
<h1>mmm cluster: <span id="mode">…</span></h1>
<p class="meta">Status of <span id="generated">…</span>; refreshed every ${PAGE_REFRESH_SECONDS} s. Read-only: changes go through mmm_control or the API.</p>
<noscript><p id="noscript">This page needs JavaScript; the same data is at <a href="/api/v1/cluster">/api/v1/cluster</a> and <a href="/api/v1/history">/api/v1/history</a>.</p></noscript>
<p id="error" class="hidden"></p>
<h2>Warnings</h2>
<ul id="warnings"></ul>
<h2>Hosts</h2>
<table id="hosts">
<thead><tr><th>host</th><th>ip (mode)</th><th>state</th><th>roles</th><th>writable</th><th>lag</th><th>replication threads</th><th>writer lease</th><th>checks</th><th>state since</th></tr></thead>
<tbody></tbody>
</table>
<h2>Roles</h2>
<table id="roles">
<thead><tr><th>role</th><th>mode</th><th>IPs</th><th>why there</th></tr></thead>
<tbody></tbody>
</table>
<h2>Diagnoses</h2>
<ul id="diagnoses"></ul>
<h2>Last move</h2>
<p id="last-move">…</p>
<h2>Last decisions</h2>
<ol id="decisions"></ol>
<h2>History</h2>
<ol id="history"></ol>
<script>${SCRIPT}</script>
</body>
</html>
`;
