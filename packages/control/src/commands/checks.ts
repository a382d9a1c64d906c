// `checks [<host>|all [<check>|all]]`: show checks status
import { passThrough } from './pass-through';

export const checks = passThrough('checks', 'show checks status', '[<host>|all [<check>|all]]');
