// MMM prints times with Log4perl's `yyyy/MM/dd HH:mm:ss` in the monitor's local time.

export interface TimeOptions {
  /** 'local' (default, as MMM) or 'utc' (stable output for tests and logs). */
  timeZone?: 'local' | 'utc';
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Formats an ISO time (or epoch ms) as `yyyy/MM/dd HH:mm:ss`; null or unparsable is the epoch, as Perl does for undef. */
export function formatMmmTime(t: string | number | null, opts: TimeOptions = {}): string {
  let d = new Date(t ?? 0);
  if (Number.isNaN(d.getTime())) d = new Date(0);
  const utc = opts.timeZone === 'utc';
  const y = utc ? d.getUTCFullYear() : d.getFullYear();
  const mo = (utc ? d.getUTCMonth() : d.getMonth()) + 1;
  const day = utc ? d.getUTCDate() : d.getDate();
  const h = utc ? d.getUTCHours() : d.getHours();
  const mi = utc ? d.getUTCMinutes() : d.getMinutes();
  const s = utc ? d.getUTCSeconds() : d.getSeconds();
  return `${pad(y, 4)}/${pad(mo)}/${pad(day)} ${pad(h)}:${pad(mi)}:${pad(s)}`;
}

/** A duration for humans: `850 ms`, `12.4 s`, `3 min 5 s`, `2 h 1 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
