import { fail, ok } from "@chat/protocol";
import type { ChatDeps } from "../app/chat-deps.ts";
import { roomOf } from "../app/rooms.ts";
import type { Act } from "./define-handler.ts";

/** `presence:who`: who is online in a room, across the cluster; for its members only. */
export const presenceWho =
  ({ presence }: ChatDeps): Act<"presence:who"> =>
  async (socket, { room }) => {
    const socketRoom = roomOf(room);
    if (!socket.rooms.has(socketRoom)) return fail("forbidden", `join room ${room} to see who is in it`);
    return ok({ room, users: await presence.list(socketRoom) });
  };
