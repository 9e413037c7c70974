import type { MessageId } from "./messages.ts";

/**
 * Orders two message ids as the server does (`<ms>-<seq>`, each part a whole number):
 * negative when `a` comes first. Plain string comparison would put `9-0` after `10-0`.
 */
export function compareMessageIds(a: MessageId, b: MessageId): number {
  const [aMs = 0, aSeq = 0] = a.split("-").map(Number);
  const [bMs = 0, bSeq = 0] = b.split("-").map(Number);
  return aMs === bMs ? aSeq - bSeq : aMs - bMs;
}
