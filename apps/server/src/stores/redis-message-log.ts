import type { RedisClientType } from "redis";
import {
  StoreUnavailableError,
  sentAtOf,
  type MessageLog,
  type NewMessage,
  type StoredMessage,
} from "./message-log.ts";

/** How many messages a room keeps; Redis trims approximately, which is much cheaper. */
const roomHistoryLength = 1000;

/** Each room is a Redis stream, so the stream's ids are the messages' ids. */
export class RedisMessageLog implements MessageLog {
  readonly #redis: RedisClientType;
  readonly #prefix: string;

  constructor(redis: RedisClientType, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async append({ room, from, text }: NewMessage): Promise<StoredMessage> {
    if (!this.#redis.isReady) throw new StoreUnavailableError(new Error("not connected"));
    try {
      const id = await this.#redis.xAdd(
        `${this.#prefix}:history:${room}`,
        "*",
        { from, text },
        { TRIM: { strategy: "MAXLEN", strategyModifier: "~", threshold: roomHistoryLength } },
      );
      return { id, sentAt: sentAtOf(id) };
    } catch (error) {
      if (!this.#redis.isReady) throw new StoreUnavailableError(error);
      throw error;
    }
  }
}
