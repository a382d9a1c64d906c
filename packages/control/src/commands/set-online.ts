// `set_online <host>`: set host <host> online
import { passThrough } from './pass-through';

export const setOnline = passThrough();
