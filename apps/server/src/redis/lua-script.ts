import { createHash } from "node:crypto";
import type { RedisCommands } from "./redis-commands.ts";

/**
 * A Lua script run by its SHA1 digest, sent in full only when Redis does not know it yet
 * (first use, or after Redis restarted).
 */
export class LuaScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash("sha1").update(source).digest("hex");
  }

  async run(redis: RedisCommands, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await redis.evalSha(this.#sha, { keys, arguments: args });
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return redis.eval(this.#source, { keys, arguments: args });
    }
  }
}
