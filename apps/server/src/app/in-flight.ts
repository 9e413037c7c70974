/** Counts requests being handled, so that a shutdown can let them finish first. */
export class InFlight {
  #count = 0;
  #waiters: (() => void)[] = [];

  async track<T>(work: () => Promise<T>): Promise<T> {
    this.#count += 1;
    try {
      return await work();
    } finally {
      this.#count -= 1;
      if (this.#count === 0) this.#waiters.splice(0).forEach((resolve) => resolve());
    }
  }

  /** Resolves when nothing is in flight, or after `timeoutMs` at the latest: true if all finished. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.#count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
