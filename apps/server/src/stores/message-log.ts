import type { MessageId, RoomName, UserName } from "@chat/protocol";

export interface NewMessage {
  room: RoomName;
  from: UserName;
  text: string;
}

export interface StoredMessage {
  id: MessageId;
  sentAt: number;
}

/** Where messages are kept once accepted; the id it gives orders the room. */
export interface MessageLog {
  append(message: NewMessage): Promise<StoredMessage>;
}

/** The store cannot be reached: nothing was written, and the caller may try again. */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
  constructor(cause: unknown) {
    super("the message store is unreachable", { cause });
  }
}

/** The id's first part, milliseconds since the epoch, is when the message was stored. */
export const sentAtOf = (id: MessageId): number => Number(id.slice(0, id.indexOf("-")));
