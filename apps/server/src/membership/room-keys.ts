import type { RoomName, UserName } from "@chat/protocol";

/**
 * The Redis keys of a private room. Both carry the room's hash tag, so that in a Redis
 * Cluster they live on one master and one script can read and change them together.
 */
export interface PrivateRoomKeys {
  /** A string (the creator's name) whose presence makes the room private. */
  marker: string;
  /** A set of the members' names. */
  members: string;
}

export const privateRoomKeys = (prefix: string, room: RoomName): PrivateRoomKeys => ({
  marker: `${prefix}:room:{${room}}:private`,
  members: `${prefix}:room:{${room}}:members`,
});

/**
 * The private rooms a user was made a member of, so that `room:list` need not scan every
 * room. Tagged with the user: it lives apart from the rooms' keys and is kept up to date
 * after them, so it may name a room the user has left or that has expired; each read checks.
 */
export const userRoomsKey = (prefix: string, user: UserName): string => `${prefix}:user:{${user}}:private-rooms`;
