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
  RoomCreate,
  RoomInvite,
  RoomJoin,
  RoomList,
  RoomPage,
  RoomRef,
  SessionClosing,
  SyncRequired,
  TypingNotice,
} from "./rooms.ts";
import type { UserName } from "./names.ts";

/** A client event's schemas: its arguments (the ack callback not included) and its success data. */
export type ClientEventSchemas<Args extends [] | [z.ZodType], Result extends z.ZodType> = {
  readonly args: z.ZodTuple<Args, null>;
  readonly result: Result;
};

/**
 * Every request a client can make: the schema of its arguments (a tuple, the ack callback
 * not included) and the schema of the data its success ack carries. Names are `domain:verb`.
 */
export const clientEvents: {
  readonly "message:send": ClientEventSchemas<[typeof MessageSend], typeof MessageSent>;
  readonly "room:join": ClientEventSchemas<[typeof RoomJoin], typeof RoomPage>;
  readonly "room:leave": ClientEventSchemas<[typeof RoomRef], typeof RoomRef>;
  readonly "room:create": ClientEventSchemas<[typeof RoomCreate], typeof RoomPage>;
  readonly "room:invite": ClientEventSchemas<[typeof RoomInvite], typeof RoomInvite>;
  readonly "room:list": ClientEventSchemas<[], typeof RoomList>;
  readonly "presence:who": ClientEventSchemas<[typeof RoomRef], typeof PresenceList>;
  readonly "typing:start": ClientEventSchemas<[typeof RoomRef], typeof Empty>;
  readonly "history:fetch": ClientEventSchemas<[typeof HistoryFetch], typeof RoomPage>;
  readonly "dm:send": ClientEventSchemas<[typeof DirectSend], typeof MessageSent>;
  readonly "dm:fetch": ClientEventSchemas<[typeof InboxFetch], typeof InboxPage>;
} = {
  "message:send": { args: z.tuple([MessageSend]), result: MessageSent },
  "room:join": { args: z.tuple([RoomJoin]), result: RoomPage },
  "room:leave": { args: z.tuple([RoomRef]), result: RoomRef },
  "room:create": { args: z.tuple([RoomCreate]), result: RoomPage },
  "room:invite": { args: z.tuple([RoomInvite]), result: RoomInvite },
  "room:list": { args: z.tuple([]), result: RoomList },
  "presence:who": { args: z.tuple([RoomRef]), result: PresenceList },
  "typing:start": { args: z.tuple([RoomRef]), result: Empty },
  "history:fetch": { args: z.tuple([HistoryFetch]), result: RoomPage },
  "dm:send": { args: z.tuple([DirectSend]), result: MessageSent },
  "dm:fetch": { args: z.tuple([InboxFetch]), result: InboxPage },
};

/** Every event a server pushes: the schema of its arguments. */
export const serverEvents: {
  readonly "message:new": z.ZodTuple<[typeof ChatMessage], null>;
  readonly "message:batch": z.ZodTuple<[typeof MessageBatch], null>;
  readonly "dm:new": z.ZodTuple<[typeof DirectMessage], null>;
  readonly "presence:joined": z.ZodTuple<[typeof PresenceChange], null>;
  readonly "presence:left": z.ZodTuple<[typeof PresenceChange], null>;
  readonly "typing:started": z.ZodTuple<[typeof TypingNotice], null>;
  readonly "sync:required": z.ZodTuple<[typeof SyncRequired], null>;
  readonly "session:closing": z.ZodTuple<[typeof SessionClosing], null>;
} = {
  "message:new": z.tuple([ChatMessage]),
  "message:batch": z.tuple([MessageBatch]),
  "dm:new": z.tuple([DirectMessage]),
  "presence:joined": z.tuple([PresenceChange]),
  "presence:left": z.tuple([PresenceChange]),
  "typing:started": z.tuple([TypingNotice]),
  "sync:required": z.tuple([SyncRequired]),
  "session:closing": z.tuple([SessionClosing]),
};

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
