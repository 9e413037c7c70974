import { limits } from "@chat/protocol";
import type { PresenceShift } from "./presence-store.ts";

/**
 * Whether a room is told of a user's arrival (`presence:joined`) or departure
 * (`presence:left`): only when it is news (the user's first session in, last out) and the
 * room held at most `limits.presenceNoticeMaxUsers` users on both sides of the change, that
 * is after an arrival, or before a departure. Every notice goes to every member, so
 * announcing in a room filling up with n users would cost n²/2 frames; a larger room stays
 * quiet and its clients ask `presence:who`. The rule is symmetric: a room going back and
 * forth between the limit and one more announces neither way.
 */
export function announced({ news, usersAfter }: PresenceShift, change: "arrival" | "departure"): boolean {
  const largest = change === "arrival" ? usersAfter : usersAfter + 1;
  return news && largest <= limits.presenceNoticeMaxUsers;
}
