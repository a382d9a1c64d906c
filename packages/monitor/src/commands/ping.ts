import { texts } from '@mmm/common';
import type { CommandHandler } from './context';

export const ping: CommandHandler<'ping'> = () => texts.pingOk();
