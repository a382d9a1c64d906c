// `set_active`: switch into active mode
import { passThrough } from './pass-through';

export const setActive = passThrough();
