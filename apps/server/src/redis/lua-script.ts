import { createHash } from "node:crypto";
import type { RedisCommands } from "./redis-commands.ts";

/**
 * Opens every script: a script that names its engine is held by Redis 7 to the rules of a
 * cluster (no flag lifts them), even on a single node in cluster mode: all its keys, and
 * the shard channels it publishes on, in one slot. Without it, a node that holds every slot
 * would let a script stray across slots, and only a cluster of several masters would refuse.
 */
const shebang = "#!lua\n";

/**
 * A Lua script run by its SHA1 digest, sent in full only when Redis does not know it yet
 * (first use, or after Redis restarted).
 */
export class LuaScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = `${shebang}${source}`;
    this.#sha = createHash("sha1").update(this.#source).digest("hex");
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
