import { createClient } from "redis";
import { defaultRedisUrl } from "../../src/config.ts";

/** A message seen by a subscriber: the channel and the raw payload bytes. */
export interface Published {
  channel: string;
  payload: Buffer;
}

/** A node-redis connection of the test's own, recording what it hears in buffer mode. */
export interface Observer {
  seen: Published[];
  waitFor(predicate: (published: Published) => boolean, timeoutMs?: number): Promise<Published>;
  close(): Promise<void>;
}

/** Observes `channels` with SSUBSCRIBE, or the classic pattern `pattern` with PSUBSCRIBE. */
export async function observe(what: { sharded: string[] } | { pattern: string }, url = defaultRedisUrl): Promise<Observer> {
  const client = createClient({ url });
  client.on("error", () => undefined);
  await client.connect();
  const seen: Published[] = [];
  const waiters: { predicate: (published: Published) => boolean; resolve: (published: Published) => void }[] = [];
  const listener = (payload: Buffer, channel: Buffer) => {
    const published = { channel: channel.toString(), payload };
    seen.push(published);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(published)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(published);
      }
    }
  };
  if ("sharded" in what) await client.sSubscribe(what.sharded, listener, true);
  else await client.pSubscribe(what.pattern, listener, true);
  return {
    seen,
    waitFor(predicate, timeoutMs = 10_000) {
      const already = seen.find(predicate);
      if (already !== undefined) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nothing matching was published within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          predicate,
          resolve: (published) => {
            clearTimeout(timer);
            resolve(published);
          },
        });
      });
    },
    close: async () => {
      await client.close();
    },
  };
}

/** Matches a publication whose bytes hold `text`. */
export const contains = (text: string) => (published: Published) => published.payload.includes(Buffer.from(text, "utf8"));
