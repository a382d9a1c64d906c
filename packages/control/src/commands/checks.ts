// `checks [<host>|all [<check>|all]]`: show checks status
import { passThrough } from './pass-through';

export const checks = passThrough();
