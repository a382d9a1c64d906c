// The API's routing and its mapping onto control commands and HTTP codes (pure), table-tested.
import { expect } from 'chai';
import { texts } from '@mmm/common';
import { commandOf, statusOfReply, type ChangeCommand } from '../../src/http/commands';
import { commandKindOf, matchRoute, type Route } from '../../src/http/routes';

describe('http routes', () => {
  const table: Array<[string, string, unknown]> = [
    ['GET', '/', { kind: 'route', route: { name: 'page' }, head: false }],
    ['HEAD', '/', { kind: 'route', route: { name: 'page' }, head: true }],
    ['GET', '/api/v1/cluster', { kind: 'route', route: { name: 'cluster' }, head: false }],
    ['HEAD', '/api/v1/history', { kind: 'route', route: { name: 'history' }, head: true }],
    ['GET', '/api/v1/leader', { kind: 'route', route: { name: 'leader' }, head: false }],
    ['GET', '/metrics', { kind: 'route', route: { name: 'metrics' }, head: false }],
    ['POST', '/api/v1/hosts/db1/online', { kind: 'route', route: { name: 'host_state', host: 'db1', to: 'online' }, head: false }],
    ['POST', '/api/v1/hosts/db%2D3/offline', { kind: 'route', route: { name: 'host_state', host: 'db-3', to: 'offline' }, head: false }],
    ['POST', '/api/v1/roles/writer/move', { kind: 'route', route: { name: 'move_role', role: 'writer' }, head: false }],
    ['PUT', '/api/v1/mode', { kind: 'route', route: { name: 'mode' }, head: false }],
    ['POST', '/api/v1/cluster', { kind: 'error', status: 405, message: 'POST is not allowed here (allowed: GET, HEAD)', allow: ['GET', 'HEAD', 'OPTIONS'] }],
    ['GET', '/api/v1/hosts/db1/offline', { kind: 'error', status: 405, message: 'GET is not allowed here (allowed: POST)', allow: ['POST', 'OPTIONS'] }],
    ['POST', '/api/v1/mode', { kind: 'error', status: 405, message: 'POST is not allowed here (allowed: PUT)', allow: ['PUT', 'OPTIONS'] }],
    ['OPTIONS', '/api/v1/cluster', { kind: 'options', allow: ['GET', 'HEAD', 'OPTIONS'] }],
    ['OPTIONS', '/api/v1/roles/writer/move', { kind: 'options', allow: ['POST', 'OPTIONS'] }],
    ['GET', '/api/v1/cluster/', { kind: 'error', status: 404, message: 'no such resource: /api/v1/cluster/' }],
    ['GET', '/api/v2/cluster', { kind: 'error', status: 404, message: 'no such resource: /api/v2/cluster' }],
    ['POST', '/api/v1/hosts/db1/restart', { kind: 'error', status: 404, message: 'no such resource: /api/v1/hosts/db1/restart' }],
    ['POST', '/api/v1/hosts//offline', { kind: 'error', status: 400, message: "bad path segment ''" }],
    ['POST', '/api/v1/hosts/%E0%A4%A/offline', { kind: 'error', status: 400, message: "bad path segment '%E0%A4%A'" }],
    ['GET', '/constructor', { kind: 'error', status: 404, message: 'no such resource: /constructor' }],
  ];
  for (const [method, path, want] of table) {
    it(`${method} ${path}`, () => expect(matchRoute(method, path)).to.deep.equal(want));
  }

  it('every route follows the role rule of its control command', () => {
    const kinds = (['page', 'cluster', 'history', 'leader', 'metrics'] as const).map((name) => commandKindOf({ name }));
    expect(kinds).to.deep.equal(['show', 'status_json', 'history', 'ping', 'status_json']);
    expect(commandKindOf({ name: 'host_state', host: 'db1', to: 'online' })).to.equal('set_online');
    expect(commandKindOf({ name: 'host_state', host: 'db1', to: 'offline' })).to.equal('set_offline');
    expect(commandKindOf({ name: 'move_role', role: 'writer' })).to.equal('move_role');
    expect(commandKindOf({ name: 'mode' })).to.equal('set_active');
  });
});

describe('http changes as control commands', () => {
  const offline: Route = { name: 'host_state', host: 'db3', to: 'offline' };
  const move: Route = { name: 'move_role', role: 'writer' };
  const mode: Route = { name: 'mode' };
  const table: Array<[string, Route, unknown, unknown]> = [
    ['offline without a body', offline, undefined, { ok: true, command: { kind: 'set_offline', host: 'db3' } }],
    ['offline with {}', offline, {}, { ok: true, command: { kind: 'set_offline', host: 'db3' } }],
    ['online', { name: 'host_state', host: 'db1', to: 'online' }, undefined, { ok: true, command: { kind: 'set_online', host: 'db1' } }],
    ['offline with a key', offline, { force: true }, { ok: false, message: 'unknown key force (allowed: none)' }],
    ['a body that is not an object', offline, [1], { ok: false, message: 'the body must be a JSON object' }],
    ['move', move, { host: 'db2' }, { ok: true, command: { kind: 'move_role', role: 'writer', host: 'db2', force: false } }],
    ['move --force', move, { host: 'db2', force: true }, { ok: true, command: { kind: 'move_role', role: 'writer', host: 'db2', force: true } }],
    ['move without a body', move, undefined, { ok: false, message: 'a JSON body {"host": "<host>", "force": false} is required' }],
    ['move without host', move, { force: true }, { ok: false, message: 'host must be a non-empty string' }],
    ['move with host 7', move, { host: 7 }, { ok: false, message: 'host must be a non-empty string' }],
    ['move with force "yes"', move, { host: 'db2', force: 'yes' }, { ok: false, message: 'force must be true or false' }],
    ['move with extra keys', move, { host: 'db2', to: 'x', why: 1 }, { ok: false, message: 'unknown keys to, why (allowed: host, force)' }],
    ['mode active', mode, { mode: 'active' }, { ok: true, command: { kind: 'set_active' } }],
    ['mode MANUAL (as status_json writes it)', mode, { mode: 'MANUAL' }, { ok: true, command: { kind: 'set_manual' } }],
    ['mode passive', mode, { mode: 'passive' }, { ok: true, command: { kind: 'set_passive' } }],
    ['mode wait', mode, { mode: 'wait' }, { ok: false, message: 'mode must be active, manual or passive, not "wait"' }],
    ['mode missing', mode, {}, { ok: false, message: 'mode must be active, manual or passive, not null' }],
    ['mode constructor', mode, { mode: 'constructor' }, { ok: false, message: 'mode must be active, manual or passive, not "constructor"' }],
  ];
  for (const [what, route, body, want] of table) {
    it(what, () => expect(commandOf(route, body)).to.deep.equal(want));
  }

  const codes: Array<[ChangeCommand, string, number]> = [
    [{ kind: 'set_offline', host: 'db3' }, texts.setOfflineOk('db3'), 200],
    [{ kind: 'set_offline', host: 'db3' }, texts.alreadyOffline(), 200],
    [{ kind: 'set_offline', host: 'dbx' }, texts.unknownHost('dbx'), 404],
    [{ kind: 'set_offline', host: 'db4' }, texts.cantSetOffline('db4', 'AWAITING_RECOVERY'), 409],
    [{ kind: 'set_online', host: 'db2' }, texts.checksNotOk('db2'), 409],
    [{ kind: 'set_online', host: 'db2' }, texts.agentUnreachableState('db2'), 409],
    [{ kind: 'move_role', role: 'nope', host: 'db2', force: false }, texts.unknownRole('nope'), 404],
    [{ kind: 'move_role', role: 'writer', host: 'dbx', force: false }, texts.unknownHost('dbx'), 404],
    [{ kind: 'move_role', role: 'writer', host: 'db3', force: false }, texts.cantHandle('db3', 'writer', ['db1', 'db2']), 409],
    [{ kind: 'move_role', role: 'reader', host: 'db2', force: false }, texts.roleHasNoIp('reader'), 409],
    [{ kind: 'move_role', role: 'writer', host: 'db2', force: false }, texts.moveRoleOk('writer', 'db1', 'db2'), 200],
    [{ kind: 'set_passive' }, texts.switchedPassive(), 200],
    [{ kind: 'set_active' }, texts.notInPassive(), 409],
  ];
  for (const [cmd, reply, code] of codes) {
    it(`${cmd.kind} answered '${reply.slice(0, 50)}…' is HTTP ${code}`, () => expect(statusOfReply(cmd, reply)).to.equal(code));
  }
});
