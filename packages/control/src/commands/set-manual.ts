// `set_manual`: switch into manual mode
import { passThrough } from './pass-through';

export const setManual = passThrough();
