import { texts } from '@mmm/common';
import type { CommandHandler } from './context';

export const mode: CommandHandler<'mode'> = (m) => texts.mode(m.state.mode);
