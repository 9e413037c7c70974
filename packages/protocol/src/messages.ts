import * as z from "zod";
import { limits } from "./limits.ts";
import { compareMessageIds, MessageId } from "./message-ids.ts";
import { RoomName, UserName } from "./names.ts";

/** Half of a UTF-16 surrogate pair standing alone: no character, and no UTF-8 can carry it. */
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const MessageText = z
  .string({ error: "text must be a string" })
  .min(1, { error: "text must not be empty" })
  .max(limits.textMaxLength, { error: `text must be at most ${limits.textMaxLength} characters` })
  .refine((text) => !loneSurrogate.test(text), { error: "text must be well-formed Unicode (no lone surrogates)" });

/**
 * An id the client chooses for each message it sends and keeps when it sends it again: the
 * server stores a message at most once per user and client id, so a retry cannot duplicate it.
 */
export const ClientId = z
  .string({ error: "clientId must be a string" })
  .regex(/^[A-Za-z0-9_-]+$/, { error: 'clientId may hold only letters, digits, "_" and "-"' })
  .min(8, { error: "clientId must be at least 8 characters" })
  .max(limits.clientIdMaxLength, { error: `clientId must be at most ${limits.clientIdMaxLength} characters` });
export type ClientId = z.infer<typeof ClientId>;

/** `message:send`: a line for a room the sender is in. No sender field: that comes from the handshake. */
export const MessageSend = z.strictObject({ room: RoomName, text: MessageText, clientId: ClientId.optional() });
export type MessageSend = z.infer<typeof MessageSend>;

/** What the sender learns once its message is stored and published. */
export const MessageSent = z.strictObject({ id: MessageId, sentAt: z.number().int().nonnegative() });
export type MessageSent = z.infer<typeof MessageSent>;

/** `message:new`: a message as every member of the room receives it. */
export const ChatMessage = z.strictObject({
  id: MessageId,
  room: RoomName,
  from: UserName,
  text: MessageText,
  sentAt: z.number().int().nonnegative(),
  /** The sender's own id for the message, so that its sessions recognise their own lines. */
  clientId: ClientId.optional(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/**
 * `message:batch`: several messages of one room in one frame, oldest first, as the server
 * sends them when a room's messages queue up. Unlike `message:new`, a batch also reaches the
 * senders of the messages it holds: a client recognises its own lines by `clientId`.
 */
export const MessageBatch = z
  .array(ChatMessage)
  .min(1, { error: "a batch holds at least one message" })
  .max(limits.batchMaxLength, { error: `a batch holds at most ${limits.batchMaxLength} messages` })
  .refine((messages) => messages.every((message) => message.room === messages[0]?.room), {
    error: "every message of a batch is of one room",
    abort: true,
  })
  .refine(
    (messages) =>
      messages.every((message, i) => {
        const before = messages[i - 1];
        return before === undefined || compareMessageIds(before.id, message.id) < 0;
      }),
    { error: "a batch holds its messages in id order, each once" },
  );
export type MessageBatch = z.infer<typeof MessageBatch>;

/** `dm:send`: a line for every session of one user (and the sender's other sessions). */
export const DirectSend = z.strictObject({ to: UserName, text: MessageText, clientId: ClientId.optional() });
export type DirectSend = z.infer<typeof DirectSend>;

/**
 * `dm:new`: a direct message. Each user has an inbox holding the messages they sent and
 * received; `id` orders the receiving session's inbox.
 */
export const DirectMessage = z.strictObject({
  id: MessageId,
  from: UserName,
  to: UserName,
  text: MessageText,
  sentAt: z.number().int().nonnegative(),
  clientId: ClientId.optional(),
});
export type DirectMessage = z.infer<typeof DirectMessage>;
