// `mode`: print current mode
import { passThrough } from './pass-through';

export const mode = passThrough();
