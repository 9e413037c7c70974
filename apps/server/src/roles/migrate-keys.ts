import { createClient, type RedisClientType } from "redis";
import { defaultRedisUrl, parseConfig, usage } from "../config.ts";
import { migrateMessageKeys } from "../messages/key-migration.ts";

export const migrateUsage = `Usage: chat-server migrate-keys [--redis-url <url>] [--redis-prefix <prefix>]

Copies the rooms' and inboxes' messages kept by servers before hash-tagged keys
(<prefix>:room:<room>, <prefix>:inbox:<user>) to the keys servers use now, under the same
ids, and leaves the old keys as they were. Run it with the old servers stopped and before
the new ones start; run again, it copies only what is missing. REDIS_URL and REDIS_PREFIX
(or the flags) name the Redis and the prefix, as for the server.`;

/** `chat-server migrate-keys ...`: one pass over the old keys, then a line saying what it did. */
export async function migrateKeysMain(argv: readonly string[], env: Record<string, string | undefined>): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${migrateUsage}\n\n${usage}\n`);
    return;
  }
  const parsed = parseConfig(env, [...argv]);
  if (parsed.help) return;
  const { config } = parsed;
  const url = config.REDIS_URL ?? defaultRedisUrl;
  const redis: RedisClientType = createClient({ url, socket: { reconnectStrategy: false } });
  await redis.connect();
  try {
    const report = await migrateMessageKeys(redis, config.REDIS_PREFIX);
    process.stdout.write(`migrate-keys: ${report.streams} streams of the old layout, ${report.copied} entries copied (prefix ${config.REDIS_PREFIX})\n`);
    if (report.behind.length > 0) {
      process.stdout.write(`migrate-keys: written under the new layout before they were copied, not copied: ${report.behind.join(" ")}\n`);
      process.exitCode = 2;
    }
  } finally {
    await redis.quit();
  }
}
