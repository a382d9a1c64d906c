import { PASSIVE_CAUSE_ADMIN, texts } from '@mmm/common';
import type { CommandHandler } from './context';

export const setPassive: CommandHandler<'set_passive'> = (m) => {
  const from = m.state.mode;
  if (from === 'PASSIVE') return texts.alreadyPassive();
  m.state = { ...m.state, mode: 'PASSIVE', modeSince: m.now(), passiveCause: PASSIVE_CAUSE_ADMIN };
  m.record({ kind: 'mode_change', reason: `${from} -> PASSIVE: set_passive by operator`, blocked: false });
  return texts.switchedPassive();
};
