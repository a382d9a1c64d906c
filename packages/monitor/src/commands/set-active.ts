import { texts } from '@mmm/common';
import type { CommandHandler } from './context';

export const setActive: CommandHandler<'set_active'> = async (m) => {
  const from = m.state.mode;
  if (from === 'ACTIVE') return texts.alreadyActive();
  m.state = { ...m.state, mode: 'ACTIVE', modeSince: m.now(), passiveCause: undefined };
  m.record({ kind: 'mode_change', reason: `${from} -> ACTIVE: set_active by operator`, blocked: false });
  if (from === 'PASSIVE') await m.cleanupAndSendStatus();
  m.triggerPass();
  return texts.switchedActive();
};
