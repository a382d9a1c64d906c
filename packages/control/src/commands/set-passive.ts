// `set_passive`: switch into passive mode
import { passThrough } from './pass-through';

export const setPassive = passThrough();
