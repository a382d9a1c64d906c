// `ack_failover` (ours): acknowledge the last automatic failover, so the next writer failure
// fails over automatically again before failover_cooldown has passed.
import { passThrough } from './pass-through';

export const ackFailover = passThrough();
