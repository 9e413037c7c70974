import { z } from "zod";
import { limits } from "./limits.ts";
import { RoomName, UserName } from "./names.ts";

export const MessageText = z
  .string({ error: "text must be a string" })
  .min(1, { error: "text must not be empty" })
  .max(limits.textMaxLength, { error: `text must be at most ${limits.textMaxLength} characters` });

/**
 * A message id assigned by the server: `<milliseconds>-<sequence>`, ordered within a room.
 */
export const MessageId = z.string().regex(/^\d+-\d+$/, { error: "a message id looks like 1700000000000-0" });
export type MessageId = z.infer<typeof MessageId>;

/** `message:send`: a line for a room the sender is in. No sender field: that comes from the handshake. */
export const MessageSend = z.strictObject({ room: RoomName, text: MessageText });
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
});
export type ChatMessage = z.infer<typeof ChatMessage>;
