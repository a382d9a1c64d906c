import { renderChecks } from '@mmm/common';
import type { CommandHandler } from './context';

export const checks: CommandHandler<'checks'> = (m, cmd) => renderChecks(m.statusDocument(), cmd.host, cmd.check);
