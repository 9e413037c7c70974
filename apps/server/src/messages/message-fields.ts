import type { ChatMessage, DirectMessage, MessageId } from "@chat/protocol";
import { sentAtOf } from "./message-store.ts";

/**
 * Where a field of a delivered message comes from, as every store writes and reads it:
 *
 * - `id`: the message's id, which is its log entry's id.
 * - `idTime`: the milliseconds in the id, when the entry was stored; not stored apart.
 * - `log`: the name of the log the entry is in (a room's); not stored in the entry.
 * - `text`: a string the post gives, stored in the entry.
 * - `optionalText`: a string the post may give, stored in the entry only when given.
 * - `time`: milliseconds the store decides when it stores the entry, stored in it as digits.
 */
export type FieldSource = "id" | "idTime" | "log" | "text" | "optionalText" | "time";

/** Every field of a message, in the order messages are written, with where it comes from. */
export type MessageFields<Message> = { readonly [Field in keyof Message]-?: FieldSource };

/*
 * The one list of a message's fields. `satisfies` makes a field added to (or removed from) a
 * protocol schema a compile error here, and the writers that are not TypeScript (the posting
 * scripts) are built from these lists.
 */
export const chatMessageFields = {
  id: "id",
  room: "log",
  from: "text",
  text: "text",
  sentAt: "idTime",
  clientId: "optionalText",
} as const satisfies MessageFields<ChatMessage>;

export const directMessageFields = {
  id: "id",
  from: "text",
  to: "text",
  text: "text",
  // Not the id's time: a direct message has one id in each of two inboxes, and one time.
  sentAt: "time",
  clientId: "optionalText",
} as const satisfies MessageFields<DirectMessage>;

/** The fields a post gives (the others come from where and when it is stored), in order. */
export const postedFieldsOf = <Message>(fields: MessageFields<Message>): (keyof Message & string)[] =>
  (Object.entries(fields) as [keyof Message & string, FieldSource][])
    .filter(([, source]) => source === "text" || source === "optionalText")
    .map(([field]) => field);

/** The fields' values as a log keeps them, or as a post gives them; `undefined` for none. */
export type FieldValues<Message> = { readonly [Field in keyof Message]?: string | number | undefined };

/**
 * The message a log entry `id` with `values` makes: the stored fields (strings, as a stream
 * keeps them), plus the log's name under its field. The caller names the message type its
 * `fields` describe; the contract tests check the result against the protocol's schemas.
 */
export function messageOf<Message>(fields: MessageFields<Message>, id: MessageId, values: FieldValues<Message>): Message {
  const message: Record<string, string | number> = {};
  for (const [field, source] of Object.entries(fields) as [string, FieldSource][]) {
    const value = (values as Readonly<Record<string, string | number | undefined>>)[field];
    if (source === "id") message[field] = id;
    else if (source === "idTime") message[field] = sentAtOf(id);
    // Entries stored before the time was kept have only their id's.
    else if (source === "time") message[field] = value === undefined ? sentAtOf(id) : Number(value);
    else if (source === "optionalText") {
      if (value !== undefined && value !== "") message[field] = String(value);
    } else message[field] = String(value ?? "");
  }
  return message as Message;
}
