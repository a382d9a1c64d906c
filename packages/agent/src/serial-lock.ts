// One state change at a time (SET_STATUS, CLEAR_BAD_ROLES, re-assertion, fencing): each waits for
// the one queued before it, whether that one worked or failed, so none sees another half done.
export class SerialLock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Settles once everything queued so far has run (the tail never rejects). */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
