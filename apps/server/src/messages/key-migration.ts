import { compareMessageIds } from "@chat/protocol";
import type { RedisClientType } from "redis";
import { inboxKey, legacyKeys, roomLogKey } from "./message-keys.ts";

/** What a migration did: streams looked at, entries copied, and streams left as they were. */
export interface MigrationReport {
  streams: number;
  copied: number;
  /** Streams whose new key already held entries newer than some of the old ones (written since). */
  behind: string[];
}

/** A room or user name as the protocol allows it; a key of another shape is not the old layout's. */
const namePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const entriesPerRead = 1000;

/**
 * Copies the messages kept under the layout before hash tags (`<prefix>:room:<room>`,
 * `<prefix>:inbox:<user>`) to their keys now (`message-keys.ts`), entry by entry under the
 * same ids, with the old key's time to live. The old keys stay as they were. Run again, it
 * copies only the entries the new key lacks: at most once each, whenever it is stopped.
 * Meant for a single Redis (the old layout could not run on a cluster), with the servers of
 * the old layout stopped and those of the new not yet started: an entry older than the
 * newest of a new key cannot be copied (ids only grow), and is reported.
 */
export async function migrateMessageKeys(redis: RedisClientType, prefix: string): Promise<MigrationReport> {
  const report: MigrationReport = { streams: 0, copied: 0, behind: [] };
  const layouts = [
    { head: `${prefix}:room:`, legacy: legacyKeys.roomLog, target: roomLogKey },
    { head: `${prefix}:inbox:`, legacy: legacyKeys.inbox, target: inboxKey },
  ];
  for (const { head, legacy, target } of layouts) {
    for await (const keys of redis.scanIterator({ MATCH: `${head}*`, TYPE: "stream", COUNT: 500 })) {
      for (const key of keys) {
        const name = key.slice(head.length);
        if (!namePattern.test(name) || legacy(prefix, name) !== key) continue;
        report.streams++;
        const { copied, behind } = await copyStream(redis, key, target(prefix, name));
        report.copied += copied;
        if (behind) report.behind.push(key);
      }
    }
  }
  return report;
}

/** Copies the entries of `from` newer than the newest of `to`; `behind` when older ones are missing from `to` and cannot be added. */
async function copyStream(redis: RedisClientType, from: string, to: string): Promise<{ copied: number; behind: boolean }> {
  const [[newest], [lastOld]] = await Promise.all([
    redis.xRevRange(to, "+", "-", { COUNT: 1 }).then((entries) => entries ?? []),
    redis.xRevRange(from, "+", "-", { COUNT: 1 }).then((entries) => entries ?? []),
  ]);
  if (lastOld === undefined) return { copied: 0, behind: false };
  if (newest !== undefined && compareMessageIds(lastOld.id, newest.id) <= 0) {
    // Copied before, or written since under the new key first.
    return { copied: 0, behind: ((await redis.xRange(to, lastOld.id, lastOld.id)) ?? []).length === 0 };
  }
  let after = newest?.id;
  let copied = 0;
  for (;;) {
    const entries = (await redis.xRange(from, after === undefined ? "-" : `(${after}`, "+", { COUNT: entriesPerRead })) ?? [];
    if (entries.length === 0) break;
    await Promise.all(entries.map(({ id, message }) => redis.xAdd(to, id, message)));
    copied += entries.length;
    after = entries[entries.length - 1]?.id;
  }
  const ttl = await redis.pTTL(from);
  if (ttl > 0) await redis.pExpire(to, ttl);
  return { copied, behind: false };
}
