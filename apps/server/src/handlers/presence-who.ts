import { ok } from "@chat/protocol";
import type { ChatDeps } from "../app/chat-deps.ts";
import { roomOf } from "../app/rooms.ts";
import type { Act } from "./define-handler.ts";

/** `presence:who`: who is online in a room, across the cluster. */
export const presenceWho =
  ({ presence }: ChatDeps): Act<"presence:who"> =>
  async (_socket, { room }) =>
    ok({ room, users: await presence.list(roomOf(room)) });
