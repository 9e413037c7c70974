import { fail, limits, ok, type AckFailure, type MessageId, type RoomName, type RoomPage } from "@chat/protocol";
import type { ChatDeps } from "../app/chat-deps.ts";
import type { ChatSocket } from "../app/chat-socket.ts";
import { announced } from "../presence/notices.ts";
import { chatRoomsOf, roomOf } from "../app/rooms.ts";
import type { Act } from "./define-handler.ts";
import { admission } from "./room-admission.ts";

/** The refusal of one room too many for this connection, if it would be. */
export const overRoomsPerConnection = (socket: ChatSocket, room: RoomName): AckFailure | undefined =>
  !socket.rooms.has(roomOf(room)) && chatRoomsOf(socket.rooms).length >= limits.roomsPerConnectionMax
    ? fail("rate_limited", `a connection may be in at most ${limits.roomsPerConnectionMax} rooms`)
    : undefined;

/**
 * Puts the connection in the room (again, when resuming) and reads what the client should
 * show: the recent messages, or every message after the one it saw last.
 */
export async function enterRoom(
  { messages, presence }: ChatDeps,
  socket: ChatSocket,
  room: RoomName,
  after: MessageId | undefined,
): Promise<RoomPage> {
  const socketRoom = roomOf(room);
  const already = socket.rooms.has(socketRoom);
  try {
    // Join before reading: whatever is stored after the read is then delivered live, so
    // nothing falls between the two (the client drops what it gets twice).
    await socket.join(socketRoom);
    const page =
      after === undefined
        ? await messages.readRoom(room, { before: undefined, limit: limits.joinRecentLength })
        : await messages.readRoom(room, { after, limit: limits.resumeMaxLength });
    if (!already) {
      const user = socket.data.name;
      if (announced(await presence.enter({ scope: socketRoom, user, socketId: socket.id }), "arrival")) {
        socket.to(socketRoom).emit("presence:joined", { room, user });
      }
    }
    return { room, messages: page.messages, more: after === undefined ? false : page.more };
  } catch (error) {
    // A refused join (Redis away, or a subscription not made in time) leaves the connection
    // as it was: out of the room, so that it is sent nothing of it, and so that the retry is
    // a fresh join, entered in presence and announced. Not waited for: it is out of the room
    // at once, and its unsubscription may wait for a Redis that does not answer.
    if (!already) Promise.resolve(socket.leave(socketRoom)).catch(() => undefined);
    throw error;
  }
}

/**
 * `room:join`: join (or rejoin, when resuming) a public room, or a private room the user is
 * a member of, and answer with what the client should show.
 */
export const roomJoin =
  (deps: ChatDeps): Act<"room:join"> =>
  async (socket, { room, after }) => {
    const tooMany = overRoomsPerConnection(socket, room);
    if (tooMany !== undefined) return tooMany;
    if (!socket.rooms.has(roomOf(room))) {
      const refused = await admission(deps, socket.data.name, room);
      if (refused !== undefined) return refused;
    }
    return ok(await enterRoom(deps, socket, room, after));
  };
