import * as z from "zod";
import { limits } from "./limits.ts";
import { MessageId } from "./message-ids.ts";
import { ChatMessage, DirectMessage } from "./messages.ts";
import { RoomName, UserName } from "./names.ts";

/**
 * `room:join`. Without `after`, the answer carries the room's last few messages; with it (a
 * client coming back), every message after that id, oldest first, so nothing is missed.
 * Joining a room the connection is already in is allowed: that is how a client resumes.
 */
export const RoomJoin = z.strictObject({ room: RoomName, after: MessageId.optional() });
export type RoomJoin = z.infer<typeof RoomJoin>;

/** A run of messages, oldest first; `more` says that the run stopped at the page limit. */
export const RoomPage = z.strictObject({ room: RoomName, messages: z.array(ChatMessage), more: z.boolean() });
export type RoomPage = z.infer<typeof RoomPage>;

export const RoomRef = z.strictObject({ room: RoomName });
export type RoomRef = z.infer<typeof RoomRef>;

export const RoomList = z.strictObject({ rooms: z.array(RoomName) });
export type RoomList = z.infer<typeof RoomList>;

/** `presence:who`: the users online in a room, across every worker and server; each once. */
export const PresenceList = z.strictObject({ room: RoomName, users: z.array(UserName) });
export type PresenceList = z.infer<typeof PresenceList>;

/**
 * `presence:joined` / `presence:left`: a user's first session arrived in, or last left, a room
 * of at most `limits.presenceNoticeMaxUsers` users (larger rooms announce nobody).
 */
export const PresenceChange = z.strictObject({ room: RoomName, user: UserName });
export type PresenceChange = z.infer<typeof PresenceChange>;

/** `history:fetch`: older messages of a room, the newest `limit` before `before` (or the latest). */
export const HistoryFetch = z.strictObject({
  room: RoomName,
  before: MessageId.optional(),
  limit: z.number().int().min(1).max(limits.pageMaxLength).optional(),
});
export type HistoryFetch = z.infer<typeof HistoryFetch>;

/** `dm:fetch`: the user's inbox, either after an id (catching up) or before one (paging back). */
export const InboxFetch = z.strictObject({
  after: MessageId.optional(),
  before: MessageId.optional(),
  limit: z.number().int().min(1).max(limits.resumeMaxLength).optional(),
});
export type InboxFetch = z.infer<typeof InboxFetch>;

export const InboxPage = z.strictObject({ messages: z.array(DirectMessage), more: z.boolean() });
export type InboxPage = z.infer<typeof InboxPage>;

/** `typing:started`: someone in the room is typing. Sent volatile: it may be dropped. */
export const TypingNotice = z.strictObject({ room: RoomName, user: UserName });
export type TypingNotice = z.infer<typeof TypingNotice>;

/**
 * `sync:required`: the server may have missed messages for this connection (its Redis
 * subscription was interrupted); the client should resume each room as after a reconnect.
 */
export const SyncRequired = z.strictObject({ reason: z.string() });
export type SyncRequired = z.infer<typeof SyncRequired>;

export const Empty = z.strictObject({});
export type Empty = z.infer<typeof Empty>;
