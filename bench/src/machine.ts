import { cpus, platform, release, totalmem } from "node:os";
import { createClient } from "redis";
import type { Machine } from "./results.ts";

/** What the numbers were measured on. */
export async function describeMachine(redisUrl: string): Promise<Machine> {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    redis: await redisVersion(redisUrl),
    platform: `${platform()} ${release()}`,
  };
}

async function redisVersion(url: string): Promise<string> {
  const client = createClient({ url });
  await client.connect();
  try {
    return /^redis_version:(\S+)/m.exec(await client.info("server"))?.[1] ?? "unknown";
  } finally {
    await client.close();
  }
}

/**
 * Deletes the keys the run's servers left in Redis (the project stores messages, presence and
 * rate buckets under its prefix), so that repeated runs do not fill a developer's Redis.
 */
export async function removeRunKeys(url: string, prefix: string): Promise<number> {
  const client = createClient({ url });
  await client.connect();
  let removed = 0;
  try {
    // Each step of the scan yields a batch of keys, possibly none.
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
      if (keys.length > 0) removed += await client.unlink(keys);
    }
  } finally {
    await client.close();
  }
  return removed;
}
