import type { RoomName, UserName } from "@chat/protocol";

/**
 * Socket.IO room names. Chat rooms and users share one Socket.IO namespace, so each kind
 * gets its own prefix and no user can be mistaken for a room. A chat room's name carries
 * the room's hash tag, `room:{<room>}`: its adapter channel `<prefix>#/#room:{<room>}#`
 * then hashes to the slot of the room's keys (`messages/message-keys.ts`), so that in a
 * Redis Cluster one script can store a post and publish it. Room names have no braces.
 */
const roomPrefix = "room:{";
const roomSuffix = "}";
const userPrefix = "user:";
export const roomOf = (room: RoomName): string => `${roomPrefix}${room}${roomSuffix}`;
export const userRoomOf = (user: UserName): string => `${userPrefix}${user}`;

/** Whether a Socket.IO room is a user's own (where direct messages go), not a chat room. */
export const isUserRoom = (socketRoom: string): boolean => socketRoom.startsWith(userPrefix);

/** The chat room a Socket.IO room stands for, if it stands for one. */
export const chatRoomOf = (socketRoom: string): RoomName | undefined =>
  socketRoom.startsWith(roomPrefix) && socketRoom.endsWith(roomSuffix)
    ? socketRoom.slice(roomPrefix.length, -roomSuffix.length)
    : undefined;

/** The chat rooms among a connection's Socket.IO rooms, sorted. */
export const chatRoomsOf = (socketRooms: Iterable<string>): RoomName[] =>
  [...socketRooms].flatMap((socketRoom) => chatRoomOf(socketRoom) ?? []).sort();
