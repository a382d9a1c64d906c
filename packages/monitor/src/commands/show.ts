// MMM's `show`, plus `# Warning:` lines for monitor problems (TLS reload refused…) in MMM's format.
import { renderShow } from '@mmm/common';
import type { CommandHandler } from './context';

export const show: CommandHandler<'show'> = (m) => {
  const text = renderShow(m.statusDocument());
  const ha = (m.haLines?.() ?? []).map((l) => `${l}\n`).join('');
  const extra = ha + m.showWarnings().map((w) => `# Warning: ${w.replace(/\r?\n/g, ' ')}\n`).join('');
  if (!extra) return text;
  // after the header and agent warnings, before the host lines
  const lines = text.split(/(?<=\n)/);
  const at = lines.findIndex((l) => !l.startsWith('#'));
  return at < 0 ? text + extra : [...lines.slice(0, at), extra, ...lines.slice(at)].join('');
};
