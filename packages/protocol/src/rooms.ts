import * as z from "zod";
import { limits } from "./limits.ts";
import { MessageId } from "./message-ids.ts";
import { ChatMessage, DirectMessage } from "./messages.ts";
import { RoomName, UserName } from "./names.ts";
import type { StrictObject } from "./schema-types.ts";

/**
 * `room:join`. Without `after`, the answer carries the room's last few messages; with it (a
 * client coming back), every message after that id, oldest first, so nothing is missed.
 * Joining a room the connection is already in is allowed: that is how a client resumes.
 */
export const RoomJoin: StrictObject<{
  room: typeof RoomName;
  after: z.ZodOptional<typeof MessageId>;
}> = z.strictObject({ room: RoomName, after: MessageId.optional() });
export type RoomJoin = z.infer<typeof RoomJoin>;

/** A run of messages, oldest first; `more` says that the run stopped at the page limit. */
export const RoomPage: StrictObject<{
  room: typeof RoomName;
  messages: z.ZodArray<typeof ChatMessage>;
  more: z.ZodBoolean;
}> = z.strictObject({ room: RoomName, messages: z.array(ChatMessage), more: z.boolean() });
export type RoomPage = z.infer<typeof RoomPage>;

export const RoomRef: StrictObject<{ room: typeof RoomName }> = z.strictObject({ room: RoomName });

/**
 * `room:create`: a room that does not exist yet, joined at once (the answer is `room:join`'s).
 * A private room is invite-only: its members are its creator and whoever a member invites.
 */
export const RoomCreate: StrictObject<{ room: typeof RoomName; private: z.ZodOptional<z.ZodBoolean> }> = z.strictObject({
  room: RoomName,
  private: z.boolean().optional(),
});
export type RoomCreate = z.infer<typeof RoomCreate>;

/** `room:invite`: a member of a private room makes another user a member, until that user leaves. */
export const RoomInvite: StrictObject<{ room: typeof RoomName; user: typeof UserName }> = z.strictObject({
  room: RoomName,
  user: UserName,
});
export type RoomInvite = z.infer<typeof RoomInvite>;
export type RoomRef = z.infer<typeof RoomRef>;

export const RoomList: StrictObject<{
  rooms: z.ZodArray<typeof RoomName>;
}> = z.strictObject({ rooms: z.array(RoomName) });
export type RoomList = z.infer<typeof RoomList>;

/** `presence:who`: the users online in a room, across every worker and server; each once. */
export const PresenceList: StrictObject<{
  room: typeof RoomName;
  users: z.ZodArray<typeof UserName>;
}> = z.strictObject({ room: RoomName, users: z.array(UserName) });
export type PresenceList = z.infer<typeof PresenceList>;

/**
 * `presence:joined` / `presence:left`: a user's first session arrived in, or last left, a room
 * of at most `limits.presenceNoticeMaxUsers` users (larger rooms announce nobody).
 */
export const PresenceChange: StrictObject<{
  room: typeof RoomName;
  user: typeof UserName;
}> = z.strictObject({ room: RoomName, user: UserName });
export type PresenceChange = z.infer<typeof PresenceChange>;

/** `history:fetch`: older messages of a room, the newest `limit` before `before` (or the latest). */
export const HistoryFetch: StrictObject<{
  room: typeof RoomName;
  before: z.ZodOptional<typeof MessageId>;
  limit: z.ZodOptional<z.ZodNumber>;
}> = z.strictObject({
  room: RoomName,
  before: MessageId.optional(),
  limit: z.number().int().min(1).max(limits.pageMaxLength).optional(),
});
export type HistoryFetch = z.infer<typeof HistoryFetch>;

/** `dm:fetch`: the user's inbox, either after an id (catching up) or before one (paging back). */
export const InboxFetch: StrictObject<{
  after: z.ZodOptional<typeof MessageId>;
  before: z.ZodOptional<typeof MessageId>;
  limit: z.ZodOptional<z.ZodNumber>;
}> = z.strictObject({
  after: MessageId.optional(),
  before: MessageId.optional(),
  limit: z.number().int().min(1).max(limits.resumeMaxLength).optional(),
});
export type InboxFetch = z.infer<typeof InboxFetch>;

export const InboxPage: StrictObject<{
  messages: z.ZodArray<typeof DirectMessage>;
  more: z.ZodBoolean;
}> = z.strictObject({ messages: z.array(DirectMessage), more: z.boolean() });
export type InboxPage = z.infer<typeof InboxPage>;

/** `typing:started`: someone in the room is typing. Sent volatile: it may be dropped. */
export const TypingNotice: StrictObject<{
  room: typeof RoomName;
  user: typeof UserName;
}> = z.strictObject({ room: RoomName, user: UserName });
export type TypingNotice = z.infer<typeof TypingNotice>;

/**
 * `sync:required`: the server may have missed messages for this connection (its Redis
 * subscription was interrupted); the client should resume each room as after a reconnect.
 */
export const SyncRequired: StrictObject<{ reason: z.ZodString }> = z.strictObject({ reason: z.string() });
export type SyncRequired = z.infer<typeof SyncRequired>;

/**
 * `session:closing`: the server is closing this connection, and why. `backlogged`: more was
 * waiting to be sent to the connection than the server holds for one (it was not reading);
 * a client that reconnects and catches up page by page loses nothing.
 */
export const SessionClosing: StrictObject<{
  code: z.ZodEnum<{ backlogged: "backlogged" }>;
  message: z.ZodString;
}> = z.strictObject({ code: z.enum(["backlogged"]), message: z.string() });
export type SessionClosing = z.infer<typeof SessionClosing>;

export const Empty: StrictObject<Record<never, never>> = z.strictObject({});
export type Empty = z.infer<typeof Empty>;
