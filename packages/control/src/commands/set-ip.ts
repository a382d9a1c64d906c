// `set_ip <ip> <host>`: set role with ip <ip> to host <host> (passive mode only)
import { passThrough } from './pass-through';

export const setIp = passThrough({ note: '(passive mode only)' });
