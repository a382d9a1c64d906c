// `set_offline <host>`: set host <host> offline
import { passThrough } from './pass-through';

export const setOffline = passThrough('set_offline', 'set host <host> offline', '<host>');
