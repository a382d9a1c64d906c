// The two path operations the config core needs, without node:path, so that it stays pure.
// POSIX semantics as node:path on Linux, with one difference: nothing is resolved against the
// current directory. Relative input gives a relative (normalized) result; read.ts makes the
// main file absolute before parsing, so loaded configs still hold absolute paths.

/** path.posix.dirname. */
export function dirname(p: string): string {
  if (p.length === 0) return '.';
  const hasRoot = p.startsWith('/');
  let end = -1;
  let matchedSlash = true;
  for (let i = p.length - 1; i >= 1; i--) {
    if (p[i] === '/') {
      if (!matchedSlash) {
        end = i;
        break;
      }
    } else {
      matchedSlash = false;
    }
  }
  if (end === -1) return hasRoot ? '/' : '.';
  if (hasRoot && end === 1) return '//';
  return p.slice(0, end);
}

/** path.posix.resolve without the current directory: the rightmost absolute segment and what follows, normalized. */
export function resolve(...segments: string[]): string {
  let joined = '';
  let absolute = false;
  for (let i = segments.length - 1; i >= 0 && !absolute; i--) {
    const s = segments[i];
    if (s.length === 0) continue;
    joined = `${s}/${joined}`;
    absolute = s.startsWith('/');
  }
  const out: string[] = [];
  for (const part of joined.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
    } else {
      out.push(part);
    }
  }
  const body = out.join('/');
  if (absolute) return `/${body}`;
  return body.length > 0 ? body : '.';
}
