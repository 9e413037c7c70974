/** What a reference worker tells its primary once it can take connections. */
export const readyMessage = "reference:ready";

/** The line a reference worker prints on SIGUSR2: `redis-received <cluster worker id> <count>`. */
export const redisReceivedPattern = /^redis-received (\d+) (\d+)$/;
export const redisReceivedLine = (workerId: number, count: number) => `redis-received ${workerId} ${count}`;
