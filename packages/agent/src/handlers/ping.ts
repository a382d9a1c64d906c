import { agentTexts } from '@mmm/common';
import type { Handler } from './context';

export const ping: Handler<'PING'> = async () => ({ ok: true, text: agentTexts.pinged });
