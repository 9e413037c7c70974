import * as z from "zod";

/**
 * A message id assigned by the server: `<milliseconds>-<sequence>`, ordered within a room.
 */
const largestIdPart = 2n ** 64n - 1n;

export const MessageId = z
  .string()
  .regex(/^\d{1,20}-\d{1,20}$/, { error: "a message id looks like 1700000000000-0", abort: true })
  .refine((id) => id.split("-").every((part) => BigInt(part) <= largestIdPart), {
    error: "each part of a message id is at most 18446744073709551615",
  });
export type MessageId = z.infer<typeof MessageId>;

/**
 * Orders two message ids as the server does (`<ms>-<seq>`, each part a whole number):
 * negative when `a` comes first. Plain string comparison would put `9-0` after `10-0`.
 */
export function compareMessageIds(a: MessageId, b: MessageId): number {
  const [aMs = 0, aSeq = 0] = a.split("-").map(Number);
  const [bMs = 0, bSeq = 0] = b.split("-").map(Number);
  return aMs === bMs ? aSeq - bSeq : aMs - bMs;
}
