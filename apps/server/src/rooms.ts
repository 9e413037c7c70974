import type { RoomName, UserName } from "@chat/protocol";

/**
 * Socket.IO room names. Chat rooms and users share one Socket.IO namespace, so each kind
 * gets its own prefix and no user can be mistaken for a room.
 */
export const roomOf = (room: RoomName): string => `room:${room}`;
export const userRoomOf = (user: UserName): string => `user:${user}`;
