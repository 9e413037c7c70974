/**
 * Milliseconds on a clock that every process on this machine shares: each process's time
 * origin plus its monotonic time since then. A send time stamped by one generator and a receive
 * time read by another can be subtracted.
 */
export const now = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
