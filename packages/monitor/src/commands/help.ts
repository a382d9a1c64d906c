import { texts } from '@mmm/common';
import type { CommandHandler } from './context';

export const help: CommandHandler<'help'> = () => texts.help();
