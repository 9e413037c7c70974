import { ok } from "@chat/protocol";
import { chatRoomsOf } from "../app/rooms.ts";
import type { Act } from "./define-handler.ts";

/** `room:list`: the rooms this connection is in. */
export const roomList = (): Act<"room:list"> => async (socket) => ok({ rooms: chatRoomsOf(socket.rooms) });
