// The HTTPS API's routes (pure): method + path → what to answer. Reads are GET (and HEAD, with
// the same headers and no body); changes are POST or PUT with a JSON body. Each route names the
// control command whose role rule applies (DESIGN §4: viewer reads, control/monitor change).
import type { ControlCommandName } from '@mmm/common/pure';

export type RouteName = 'page' | 'cluster' | 'history' | 'leader' | 'metrics' | 'host_state' | 'move_role' | 'mode';

export type Route =
  | { name: 'page' | 'cluster' | 'history' | 'leader' | 'metrics' }
  | { name: 'host_state'; host: string; to: 'online' | 'offline' }
  | { name: 'move_role'; role: string }
  | { name: 'mode' };

export type RouteMatch =
  | { kind: 'route'; route: Route; head: boolean }
  /** OPTIONS on a known resource: 204 with its methods (a cheap check). */
  | { kind: 'options'; allow: string[] }
  | { kind: 'error'; status: 400 | 404 | 405; message: string; allow?: string[] };

const READS: ReadonlyMap<string, RouteName> = new Map([
  ['/', 'page'],
  ['/api/v1/cluster', 'cluster'],
  ['/api/v1/history', 'history'],
  ['/api/v1/leader', 'leader'],
  ['/metrics', 'metrics'],
]);

/** The control command behind a route: its role rule is the route's (commands.ts builds the real one). */
export function commandKindOf(route: Route): ControlCommandName {
  switch (route.name) {
    case 'page':
      return 'show';
    case 'cluster':
    case 'metrics':
      return 'status_json';
    case 'history':
      return 'history';
    case 'leader':
      return 'ping';
    case 'host_state':
      return route.to === 'online' ? 'set_online' : 'set_offline';
    case 'move_role':
      return 'move_role';
    case 'mode':
      return 'set_active'; // set_manual and set_passive have the same rule
  }
}

/** A path segment, percent-decoded; undefined when the encoding is broken. */
function segment(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

function methodCheck(method: string, allowed: readonly string[]): RouteMatch | undefined {
  if (allowed.includes(method)) return undefined;
  if (method === 'OPTIONS') return { kind: 'options', allow: [...allowed, 'OPTIONS'] };
  return { kind: 'error', status: 405, message: `${method} is not allowed here (allowed: ${allowed.join(', ')})`, allow: [...allowed, 'OPTIONS'] };
}

/** Matches a request's method and path (without the query). */
export function matchRoute(method: string, path: string): RouteMatch {
  const read = READS.get(path);
  if (read !== undefined) {
    const bad = methodCheck(method, ['GET', 'HEAD']);
    return bad ?? { kind: 'route', route: { name: read } as Route, head: method === 'HEAD' };
  }
  if (path === '/api/v1/mode') return methodCheck(method, ['PUT']) ?? { kind: 'route', route: { name: 'mode' }, head: false };
  const parts = path.split('/');
  // ['', 'api', 'v1', 'hosts', '<host>', 'online'] / ['', 'api', 'v1', 'roles', '<role>', 'move']
  if (parts.length === 6 && parts[1] === 'api' && parts[2] === 'v1') {
    const name = segment(parts[4]!);
    if (name === undefined || name === '') return { kind: 'error', status: 400, message: `bad path segment '${parts[4]}'` };
    if (parts[3] === 'hosts' && (parts[5] === 'online' || parts[5] === 'offline')) {
      return methodCheck(method, ['POST']) ?? { kind: 'route', route: { name: 'host_state', host: name, to: parts[5] }, head: false };
    }
    if (parts[3] === 'roles' && parts[5] === 'move') {
      return methodCheck(method, ['POST']) ?? { kind: 'route', route: { name: 'move_role', role: name }, head: false };
    }
  }
  return { kind: 'error', status: 404, message: `no such resource: ${path}` };
}
