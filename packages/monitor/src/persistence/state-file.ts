// Our state next to MMM's status file, in `<status_path>.state.json`: MMM 2.x reads the status file
// line by line as `host|STATE|roles` and refuses to start on any other line, so what must survive a
// restart beyond MMM's states and roles lives here: the host that last held the writer role (a
// monitor restarted while nobody holds it still knows whose demotion to wait for, and that the next
// promotion is a failover) and the last failover (failover_cooldown runs from it, and show keeps
// reporting what it lost). Written atomically when it changes.
import { readFile } from 'node:fs/promises';
import { MmmError } from '@mmm/common';
import type { FailoverRecord } from '../analysis/snapshot';
import { writeFileAtomic } from './atomic-write';

export const STATE_FILE_VERSION = 1;

export interface MonitorExtraState {
  /** MonitorState.lastWriter: the host that last held the writer role and may still be writable. */
  lastWriter?: string;
  lastFailover?: FailoverRecord;
}

/** A state file that cannot be read (it is then ignored, with a warning). */
export class StateFileError extends MmmError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super('SYSTEM', `${file}: ${reason}`);
  }
}

export const stateFilePath = (statusPath: string): string => `${statusPath}.state.json`;

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** Pure. Times as ISO 8601 UTC, absent values as null. */
export function formatStateFile(s: MonitorExtraState): string {
  const f = s.lastFailover;
  const lastFailover = f
    ? {
        at: iso(f.at),
        from: f.from,
        to: f.to,
        automatic: f.automatic,
        acknowledgedAt: iso(f.acknowledgedAt),
        lostAtLeast: f.lostAtLeast ?? null,
        lostAtLeastCount: f.lostAtLeastCount ?? null,
        positionAt: iso(f.positionAt),
        lostOnReturn: f.lostOnReturn ?? null,
      }
    : null;
  return `${JSON.stringify({ version: STATE_FILE_VERSION, lastWriter: s.lastWriter || null, lastFailover }, null, 1)}\n`;
}

type Obj = Record<string, unknown>;

/** Pure. Unknown keys are ignored (a later version may add some); anything malformed is an error. */
export function parseStateFile(text: string, file: string): MonitorExtraState {
  const bad = (why: string): never => {
    throw new StateFileError(file, why);
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return bad(`not JSON (${(e as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return bad('expected a JSON object');
  const d = doc as Obj;
  if (d.version !== STATE_FILE_VERSION) bad(`version ${String(d.version)}, expected ${STATE_FILE_VERSION}`);
  if (d.lastWriter !== null && d.lastWriter !== undefined && (typeof d.lastWriter !== 'string' || d.lastWriter === '')) bad('lastWriter: expected a host name or null');
  const writer = typeof d.lastWriter === 'string' ? { lastWriter: d.lastWriter } : {};
  if (d.lastFailover === null || d.lastFailover === undefined) return writer;
  if (typeof d.lastFailover !== 'object' || Array.isArray(d.lastFailover)) return bad('lastFailover: expected an object or null');
  const f = d.lastFailover as Obj;
  const time = (k: string, nullable: boolean): number | undefined => {
    const v = f[k];
    if ((v === null || v === undefined) && nullable) return undefined;
    const t = typeof v === 'string' ? Date.parse(v) : NaN;
    return Number.isFinite(t) ? t : bad(`lastFailover.${k}: expected an ISO 8601 time${nullable ? ' or null' : ''}`);
  };
  const name = (k: string): string => (typeof f[k] === 'string' && f[k] !== '' ? (f[k] as string) : bad(`lastFailover.${k}: expected a host name`));
  const list = (k: string): string[] | undefined => {
    const v = f[k];
    if (v === null || v === undefined) return undefined;
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : bad(`lastFailover.${k}: expected a list of GTIDs or null`);
  };
  if (typeof f.automatic !== 'boolean') bad('lastFailover.automatic: expected true or false');
  const count = f.lostAtLeastCount;
  if (count !== null && count !== undefined && (typeof count !== 'number' || !Number.isInteger(count) || count < 0)) bad('lastFailover.lostAtLeastCount: expected a count or null');
  const rec: FailoverRecord = { at: time('at', false)!, from: name('from'), to: name('to'), automatic: f.automatic as boolean };
  const ack = time('acknowledgedAt', true);
  const pos = time('positionAt', true);
  const lost = list('lostAtLeast');
  const back = list('lostOnReturn');
  if (ack !== undefined) rec.acknowledgedAt = ack;
  if (lost !== undefined) rec.lostAtLeast = lost;
  if (typeof count === 'number') rec.lostAtLeastCount = count;
  if (pos !== undefined) rec.positionAt = pos;
  if (back !== undefined) rec.lostOnReturn = back;
  return { ...writer, lastFailover: rec };
}

/** undefined when the file does not exist (first start, or no failover yet). */
export async function readStateFile(path: string): Promise<MonitorExtraState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MmmError('SYSTEM', `cannot read state file ${path}: ${(e as Error).message}`, { cause: e });
  }
  return parseStateFile(text, path);
}

export async function writeStateFile(path: string, s: MonitorExtraState): Promise<void> {
  await writeFileAtomic(path, formatStateFile(s));
}
