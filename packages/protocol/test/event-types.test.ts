// Type-level tests: every client event's parameters are its payload schemas' types followed by
// an ack of its result schema's type, and every server event's parameters are its schemas'
// types. tsc (`pnpm typecheck`) fails when a map and a schema disagree.
import { describe, expect, expectTypeOf, it } from "vitest";
import type * as z from "zod";
import {
  ackOf,
  ackSchemaOf,
  type Ack,
  type ChatMessage,
  type ClientToServerEvents,
  type DirectMessage,
  type DirectSend,
  type Empty,
  type HistoryFetch,
  type InboxFetch,
  type InboxPage,
  type MessageSend,
  type MessageSent,
  type PresenceChange,
  type PresenceList,
  type RoomJoin,
  type RoomList,
  type RoomPage,
  type RoomRef,
  type ServerToClientEvents,
  type SyncRequired,
  type TypingNotice,
  RoomPage as RoomPageSchema,
} from "../src/index.ts";

/** What a client event must look like: its payloads, then an ack callback of its result. */
type Request<Payloads extends unknown[], Result> = [...Payloads, (ack: Ack<Result>) => void];

describe("client events take their payload schemas and an ack of their result schema", () => {
  it("message:send", () => {
    expectTypeOf<ClientToServerEvents["message:send"]>().parameters.toEqualTypeOf<Request<[MessageSend], MessageSent>>();
  });

  it("room:join", () => {
    expectTypeOf<ClientToServerEvents["room:join"]>().parameters.toEqualTypeOf<Request<[RoomJoin], RoomPage>>();
  });

  it("room:leave", () => {
    expectTypeOf<ClientToServerEvents["room:leave"]>().parameters.toEqualTypeOf<Request<[RoomRef], RoomRef>>();
  });

  it("room:list takes only the ack", () => {
    expectTypeOf<ClientToServerEvents["room:list"]>().parameters.toEqualTypeOf<[(ack: Ack<RoomList>) => void]>();
  });

  it("presence:who", () => {
    expectTypeOf<ClientToServerEvents["presence:who"]>().parameters.toEqualTypeOf<Request<[RoomRef], PresenceList>>();
  });

  it("typing:start answers with an empty object", () => {
    expectTypeOf<ClientToServerEvents["typing:start"]>().parameters.toEqualTypeOf<Request<[RoomRef], Empty>>();
    expectTypeOf<Empty>().toEqualTypeOf<Record<string, never>>();
  });

  it("history:fetch", () => {
    expectTypeOf<ClientToServerEvents["history:fetch"]>().parameters.toEqualTypeOf<Request<[HistoryFetch], RoomPage>>();
  });

  it("dm:send", () => {
    expectTypeOf<ClientToServerEvents["dm:send"]>().parameters.toEqualTypeOf<Request<[DirectSend], MessageSent>>();
  });

  it("dm:fetch", () => {
    expectTypeOf<ClientToServerEvents["dm:fetch"]>().parameters.toEqualTypeOf<Request<[InboxFetch], InboxPage>>();
  });

  it("ackSchemaOf checks the same ack the map promises", () => {
    expectTypeOf<z.infer<ReturnType<typeof ackSchemaOf<"room:join">>>>().toEqualTypeOf<Ack<RoomPage>>();
    expectTypeOf<z.infer<ReturnType<typeof ackSchemaOf<"typing:start">>>>().toEqualTypeOf<Ack<Empty>>();
    const page = { ok: true, data: { room: "lobby", messages: [], more: false } };
    expect(ackSchemaOf("room:join").parse(page)).toStrictEqual(ackOf(RoomPageSchema).parse(page));
  });

  it("ackSchemaOf narrows a parsed success to the event's own data", () => {
    const ack = ackSchemaOf("message:send").parse({ ok: true, data: { id: "1700000000000-0", sentAt: 1700000000000 } });
    if (!ack.ok) throw new Error("expected a success");
    expectTypeOf(ack.data).toEqualTypeOf<MessageSent>();
    expect(ack.data.id).toBe("1700000000000-0");
  });
});

describe("server events carry their schemas", () => {
  it("message:new, message:batch and dm:new", () => {
    expectTypeOf<ServerToClientEvents["message:new"]>().parameters.toEqualTypeOf<[ChatMessage]>();
    expectTypeOf<ServerToClientEvents["message:batch"]>().parameters.toEqualTypeOf<[ChatMessage[]]>();
    expectTypeOf<ServerToClientEvents["dm:new"]>().parameters.toEqualTypeOf<[DirectMessage]>();
  });

  it("presence:joined and presence:left", () => {
    expectTypeOf<ServerToClientEvents["presence:joined"]>().parameters.toEqualTypeOf<[PresenceChange]>();
    expectTypeOf<ServerToClientEvents["presence:left"]>().parameters.toEqualTypeOf<[PresenceChange]>();
  });

  it("typing:started and sync:required", () => {
    expectTypeOf<ServerToClientEvents["typing:started"]>().parameters.toEqualTypeOf<[TypingNotice]>();
    expectTypeOf<ServerToClientEvents["sync:required"]>().parameters.toEqualTypeOf<[SyncRequired]>();
  });
});
