import type { RoomName, UserName } from "@chat/protocol";

/*
 * The Redis keys of messages. Each carries the hash tag of the room or user it belongs to,
 * so that in a Redis Cluster every key one script touches lives in one slot: a room's log,
 * its dedupe keys and its adapter channel (`app/rooms.ts`) under `{<room>}`; a user's inbox
 * and the dedupe keys of the direct messages it sent or received under `{<user>}`. Room and
 * user names have no braces, so the tag is always the name.
 */

/** A room's messages, a stream whose ids are the messages' ids. */
export const roomLogKey = (prefix: string, room: RoomName): string => `${prefix}:room:{${room}}:log`;

/** `<id> <digest>` of a room post with a clientId: a retry finds its first answer here. */
export const roomDedupeKey = (prefix: string, room: RoomName, user: UserName, clientId: string): string =>
  `${prefix}:room:{${room}}:sent:${user}:${clientId}`;

/** A user's direct messages, sent and received, a stream. */
export const inboxKey = (prefix: string, user: UserName): string => `${prefix}:user:{${user}}:inbox`;

/** The sender's record of a direct message with a clientId (see `postDirect`). */
export const directSentKey = (prefix: string, from: UserName, clientId: string): string =>
  `${prefix}:user:{${from}}:dm-sent:${clientId}`;

/** The recipient's record of a direct message with a clientId, so that its copy is stored once. */
export const directReceivedKey = (prefix: string, to: UserName, from: UserName, clientId: string): string =>
  `${prefix}:user:{${to}}:dm-received:${from}:${clientId}`;

/** The keys of the layout before hash tags, read by `chat-server migrate-keys`. */
export const legacyKeys = {
  roomLog: (prefix: string, room: RoomName): string => `${prefix}:room:${room}`,
  inbox: (prefix: string, user: UserName): string => `${prefix}:inbox:${user}`,
} as const;
