// `history [N]` (ours): the last N history entries as one JSON document (common render/history.ts),
// from the audit log across its rotated files; mmm_control renders it as text or prints it.
import { encodeHistoryJson } from '@mmm/common';
import { defaultHistoryQuery } from '../persistence/history';
import type { CommandHandler } from './context';

export const history: CommandHandler<'history'> = async (m, cmd) => encodeHistoryJson(await m.history(defaultHistoryQuery(cmd.count)));
