import { defaultRoom, fail, type AckFailure, type RoomName, type UserName } from "@chat/protocol";
import type { ChatDeps } from "../app/chat-deps.ts";

/** The refusal of a room creation over MAX_ROOMS_PER_USER_PER_DAY. */
export const overRoomQuota = (room: RoomName): AckFailure =>
  fail("room_quota_exceeded", `you have created as many rooms today as allowed; ${room} was not created`);

/**
 * Whether `user` may enter `room` from outside: a private room admits its members only,
 * and a public room without history is a room created, counted against the user's
 * allowance for the day. The lobby always exists. The refusal to answer with, if any.
 */
export async function admission(
  { rooms, messages, roomQuota }: ChatDeps,
  user: UserName,
  room: RoomName,
): Promise<AckFailure | undefined> {
  if (room === defaultRoom) return undefined;
  const [access, stored] = await Promise.all([rooms.access(room, user), messages.hasRoom(room)]);
  if (access === "stranger") return fail("not_invited", `room ${room} is private; a member must invite you (/invite)`);
  if (access === "public" && !stored && !(await roomQuota.claim(user, room))) return overRoomQuota(room);
  return undefined;
}
