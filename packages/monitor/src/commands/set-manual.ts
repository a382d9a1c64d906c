import { texts } from '@mmm/common';
import type { CommandHandler } from './context';

export const setManual: CommandHandler<'set_manual'> = async (m) => {
  const from = m.state.mode;
  if (from === 'MANUAL' || from === 'WAIT') return texts.alreadyManual(); // MMM: is_manual is true in WAIT
  m.state = { ...m.state, mode: 'MANUAL', modeSince: m.now(), passiveCause: undefined };
  m.record({ kind: 'mode_change', reason: `${from} -> MANUAL: set_manual by operator`, blocked: false });
  if (from === 'PASSIVE') await m.cleanupAndSendStatus();
  m.triggerPass();
  return texts.switchedManual();
};
