import { createClient } from "redis";

/**
 * The commands a Redis node answered with an error since it started, with how many times
 * (`INFO commandstats`), a script the node did not know yet (NOSCRIPT, then sent in full) aside.
 */
export async function redisErrors(url: string): Promise<string[]> {
  const redis = createClient({ url });
  await redis.connect();
  try {
    const noscript = Number(/^errorstat_NOSCRIPT:count=(\d+)/m.exec(await redis.info("errorstats"))?.[1] ?? 0);
    const failed: string[] = [];
    for (const [, name, rejected, failedCalls] of (await redis.info("commandstats")).matchAll(
      /^cmdstat_([^:]+):.*rejected_calls=(\d+),failed_calls=(\d+)/gm,
    )) {
      const count = Number(rejected) + Number(failedCalls) - (name === "evalsha" ? noscript : 0);
      if (count > 0) failed.push(`${name}: ${count}`);
    }
    return failed;
  } finally {
    await redis.quit();
  }
}
