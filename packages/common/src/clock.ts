// Time is an input: pure code takes `now` as a number; I/O code takes a Clock.
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
