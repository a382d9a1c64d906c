// `ping`: ping monitor
import { passThrough } from './pass-through';

export const ping = passThrough();
