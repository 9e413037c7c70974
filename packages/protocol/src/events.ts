import * as z from "zod";
import { ackOf, type Ack } from "./ack.ts";
import { ChatMessage, DirectMessage, DirectSend, MessageBatch, MessageSend, MessageSent } from "./messages.ts";
import {
  Empty,
  HistoryFetch,
  InboxFetch,
  InboxPage,
  PresenceChange,
  PresenceList,
  RoomJoin,
  RoomList,
  RoomPage,
  RoomRef,
  SyncRequired,
  TypingNotice,
} from "./rooms.ts";
import type { UserName } from "./names.ts";

/**
 * Every request a client can make: the schema of its arguments (a tuple, the ack callback
 * not included) and the schema of the data its success ack carries. Names are `domain:verb`.
 */
export const clientEvents = {
  "message:send": { args: z.tuple([MessageSend]), result: MessageSent },
  "room:join": { args: z.tuple([RoomJoin]), result: RoomPage },
  "room:leave": { args: z.tuple([RoomRef]), result: RoomRef },
  "room:list": { args: z.tuple([]), result: RoomList },
  "presence:who": { args: z.tuple([RoomRef]), result: PresenceList },
  "typing:start": { args: z.tuple([RoomRef]), result: Empty },
  "history:fetch": { args: z.tuple([HistoryFetch]), result: RoomPage },
  "dm:send": { args: z.tuple([DirectSend]), result: MessageSent },
  "dm:fetch": { args: z.tuple([InboxFetch]), result: InboxPage },
} as const satisfies Record<string, { args: z.ZodTuple; result: z.ZodType }>;

/** Every event a server pushes: the schema of its arguments. */
export const serverEvents = {
  "message:new": z.tuple([ChatMessage]),
  "message:batch": z.tuple([MessageBatch]),
  "dm:new": z.tuple([DirectMessage]),
  "presence:joined": z.tuple([PresenceChange]),
  "presence:left": z.tuple([PresenceChange]),
  "typing:started": z.tuple([TypingNotice]),
  "sync:required": z.tuple([SyncRequired]),
} as const satisfies Record<string, z.ZodTuple>;

export type ClientEventName = keyof typeof clientEvents;
export type ServerEventName = keyof typeof serverEvents;
export type ClientEventArgs<E extends ClientEventName> = z.infer<(typeof clientEvents)[E]["args"]>;
export type ClientEventResult<E extends ClientEventName> = z.infer<(typeof clientEvents)[E]["result"]>;
export type ServerEventArgs<E extends ServerEventName> = z.infer<(typeof serverEvents)[E]>;

export const isClientEventName = (name: unknown): name is ClientEventName =>
  typeof name === "string" && Object.hasOwn(clientEvents, name);

/**
 * The schema of the acknowledgement of a client event, for clients that check what they get back.
 * Typed by hand: TypeScript widens `clientEvents[event].result` to every event's result schema.
 */
export const ackSchemaOf = <E extends ClientEventName>(event: E): z.ZodType<Ack<ClientEventResult<E>>> =>
  ackOf(clientEvents[event].result) as z.ZodType<Ack<ClientEventResult<E>>>;

/** Socket.IO's event maps, derived from the schemas above: a schema change is a type change on both sides. */
export type ClientToServerEvents = {
  [E in ClientEventName]: (
    ...args: [...ClientEventArgs<E>, (ack: Ack<ClientEventResult<E>>) => void]
  ) => void;
};

export type ServerToClientEvents = {
  [E in ServerEventName]: (...args: ServerEventArgs<E>) => void;
};

/** Servers talk to each other only through the adapter's own messages. */
export type InterServerEvents = Record<never, never>;

/** What a server keeps on each connection once the handshake is accepted. */
export interface SocketData {
  name: UserName;
}
