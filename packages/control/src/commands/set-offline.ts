// `set_offline <host>`: set host <host> offline
import { passThrough } from './pass-through';

export const setOffline = passThrough();
