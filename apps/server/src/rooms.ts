import type { RoomName, UserName } from "@chat/protocol";

/**
 * Socket.IO room names. Chat rooms and users share one Socket.IO namespace, so each kind
 * gets its own prefix and no user can be mistaken for a room.
 */
const roomPrefix = "room:";
export const roomOf = (room: RoomName): string => `${roomPrefix}${room}`;
export const userRoomOf = (user: UserName): string => `user:${user}`;

/** The chat room a Socket.IO room stands for, if it stands for one. */
export const chatRoomOf = (socketRoom: string): RoomName | undefined =>
  socketRoom.startsWith(roomPrefix) ? socketRoom.slice(roomPrefix.length) : undefined;

/** The chat rooms among a connection's Socket.IO rooms, sorted. */
export const chatRoomsOf = (socketRooms: Iterable<string>): RoomName[] =>
  [...socketRooms].flatMap((socketRoom) => chatRoomOf(socketRoom) ?? []).sort();
