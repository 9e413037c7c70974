import { createHash } from "node:crypto";
import { limits, type ChatMessage, type ClientId, type DirectMessage, type MessageId, type RoomName, type UserName } from "@chat/protocol";

export interface RoomPost {
  room: RoomName;
  from: UserName;
  text: string;
  clientId: ClientId | undefined;
  /**
   * The sending connection, which already shows its own line: a message delivered alone
   * (`message:new`) is not sent back to it. In a `message:batch` it is, and the client
   * recognises it by its clientId.
   */
  senderSocket: string;
}

export interface DirectPost {
  from: UserName;
  to: UserName;
  text: string;
  clientId: ClientId | undefined;
  senderSocket: string;
}

export interface Posted {
  id: MessageId;
  sentAt: number;
}

export interface Page<Message> {
  /** Oldest first. */
  messages: Message[];
  /** The page stopped at its limit: there is more in the direction asked. */
  more: boolean;
}

/**
 * The page out of `candidates` (oldest first, read from a log in the direction asked): as
 * many as `limit` and `limits.pageMaxBytes` of text allow, taken from the `start` (reading
 * on after an id) or from the `end` (reading back before one); always one message at least,
 * so that a reader that pages on never stalls. `more` when candidates were left out.
 */
export function fitPage<M extends { text: string }>(candidates: readonly M[], limit: number, from: "start" | "end"): Page<M> {
  const inTurn = from === "start" ? candidates : [...candidates].reverse();
  let count = 0;
  let bytes = 0;
  for (const message of inTurn) {
    bytes += Buffer.byteLength(message.text);
    if (count === limit || (count > 0 && bytes > limits.pageMaxBytes)) break;
    count += 1;
  }
  const messages = from === "start" ? candidates.slice(0, count) : candidates.slice(candidates.length - count);
  return { messages, more: count < candidates.length };
}

/** Which part of a log to read: after an id (catching up) or before one (paging back; none = the latest). */
export type Range = { after: MessageId; limit: number } | { before: MessageId | undefined; limit: number };

/**
 * Where messages are kept and from where they are delivered. Posting stores the message
 * and publishes it in one step, so a message that is stored is always delivered, and every
 * member of a room receives the room's messages in id order, one by one or, when posts to
 * the room queue up, several in one `message:batch`. A post that repeats a
 * (sender, clientId) pair with the same text (a retry) stores and delivers nothing again,
 * and answers with the first post's id; with other text it stores and delivers nothing
 * either, and fails with `ClientIdReusedError`.
 */
export interface MessageStore {
  postToRoom(post: RoomPost): Promise<Posted>;
  /** Answers with the id in the sender's inbox. */
  postDirect(post: DirectPost): Promise<Posted>;
  /**
   * The direct post this sender made earlier with this client id, if any; if it had other
   * text than `text`, fails with `ClientIdReusedError`.
   */
  findDirect(from: UserName, clientId: ClientId, text: string): Promise<Posted | undefined>;
  /** Messages older than the retention's `maxAgeMs` are left out. */
  readRoom(room: RoomName, range: Range): Promise<Page<ChatMessage>>;
  /** Whether the room holds any history: a room without is brought into existence by its next post. */
  hasRoom(room: RoomName): Promise<boolean>;
  readInbox(user: UserName, range: Range): Promise<Page<DirectMessage>>;
}

/**
 * The store cannot be reached, or does not answer in time: the request is answered
 * `unavailable`, and the caller may try again.
 */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
  constructor(cause: unknown) {
    super("the message store is unreachable", { cause });
  }
}

/** A post repeated a clientId with other text than the post that first used it: nothing was stored. */
export class ClientIdReusedError extends Error {
  override name = "ClientIdReusedError";
  constructor(readonly clientId: ClientId) {
    super(`clientId ${clientId} was used for a message with other text; a new message needs a new clientId`);
  }
}

/**
 * What a dedupe key keeps of a message's text, to tell a retry (same text) from a new
 * message under a clientId already taken: a SHA-256 digest, base64url (no spaces, so it
 * sits in a space-separated value).
 */
export const textDigest = (text: string): string => createHash("sha256").update(text).digest("base64url");

/** The id's first part, milliseconds since the epoch, is when the message was stored. */
export const sentAtOf = (id: MessageId): number => Number(id.slice(0, id.indexOf("-")));

/** How long rooms keep what they hold (HISTORY_MAX_AGE_SECONDS, ROOM_IDLE_TTL_SECONDS). */
export interface Retention {
  /** A message older than this is no longer shown; a post to its room drops it. */
  maxAgeMs: number;
  /** A room's keys (its history; a private room's members) are dropped this long after its last post. */
  idleTtlMs: number;
}

const day = 24 * 60 * 60 * 1000;

/** The configuration's defaults: a month of each. */
export const defaultRetention: Retention = { maxAgeMs: 30 * day, idleTtlMs: 30 * day };

/** The oldest id a room still shows: the first one of the millisecond `maxAgeMs` ago. */
export const oldestKeptId = ({ maxAgeMs }: Retention, now: number): MessageId => `${Math.max(0, now - maxAgeMs)}-0`;

/** How many messages a room or an inbox keeps; older ones are dropped. */
export const logLength = 1000;

/** How long a (sender, clientId) pair is remembered, in seconds: far longer than any retry. */
export const dedupeSeconds = 24 * 60 * 60;
