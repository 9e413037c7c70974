import { fail, type AckFailure } from "@chat/protocol";
import type { ChatSocket } from "../app/chat-socket.ts";
import { describeRefusal, type SendLimiter } from "../limits/send-limiter.ts";

/**
 * Takes a send's token from the connection's and the user's buckets; over either limit,
 * the `rate_limited` answer to give instead of storing anything.
 */
export async function overSendLimit(limiter: SendLimiter, socket: ChatSocket): Promise<AckFailure | undefined> {
  const verdict = await limiter.take(socket.data.name, socket.id);
  return verdict.allowed ? undefined : fail("rate_limited", describeRefusal(verdict));
}
