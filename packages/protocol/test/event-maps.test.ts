// Type-level tests: tsc (`pnpm typecheck`) fails if the Socket.IO event maps stop being
// derived from the schemas. The runtime part drives handlers written against the maps.
import { describe, expect, expectTypeOf, it } from "vitest";
import type * as z from "zod";
import {
  ackSchemaOf,
  clientEvents,
  fail,
  ok,
  serverEvents,
  type Ack,
  type ClientEventArgs,
  type ClientEventName,
  type ClientEventResult,
  type ClientToServerEvents,
  type ErrorCode,
  type InterServerEvents,
  type MessageSent,
  type ServerEventArgs,
  type ServerEventName,
  type ServerToClientEvents,
  type SocketData,
  type UserName,
} from "../src/index.ts";

type ClientNames =
  | "message:send"
  | "room:join"
  | "room:leave"
  | "room:create"
  | "room:invite"
  | "room:list"
  | "presence:who"
  | "typing:start"
  | "history:fetch"
  | "dm:send"
  | "dm:fetch";
type ServerNames =
  | "message:new"
  | "message:batch"
  | "dm:new"
  | "presence:joined"
  | "presence:left"
  | "typing:started"
  | "sync:required"
  | "session:closing";

describe("event maps", () => {
  it("name exactly the registries' events", () => {
    expectTypeOf<keyof ClientToServerEvents>().toEqualTypeOf<ClientNames>();
    expectTypeOf<keyof ServerToClientEvents>().toEqualTypeOf<ServerNames>();
    expectTypeOf<ClientEventName>().toEqualTypeOf<keyof typeof clientEvents>();
    expectTypeOf<ServerEventName>().toEqualTypeOf<keyof typeof serverEvents>();
    expectTypeOf<keyof InterServerEvents>().toEqualTypeOf<never>();
    expectTypeOf<SocketData>().toEqualTypeOf<{ name: UserName }>();
    expect(Object.keys(clientEvents).length).toBe(11);
  });

  it("derive the helper types from the registries", () => {
    expectTypeOf<ClientEventArgs<"room:join">>().toEqualTypeOf<z.infer<(typeof clientEvents)["room:join"]["args"]>>();
    expectTypeOf<ClientEventResult<"dm:fetch">>().toEqualTypeOf<z.infer<(typeof clientEvents)["dm:fetch"]["result"]>>();
    expectTypeOf<ServerEventArgs<"dm:new">>().toEqualTypeOf<z.infer<(typeof serverEvents)["dm:new"]>>();
    expectTypeOf<Ack<MessageSent>>().toEqualTypeOf<z.infer<ReturnType<typeof ackSchemaOf<"message:send">>>>();
    expectTypeOf<ClientToServerEvents["message:send"]>().returns.toEqualTypeOf<void>();
    expectTypeOf<ServerToClientEvents["sync:required"]>().returns.toEqualTypeOf<void>();
  });

  it("refuse what the schemas refuse", () => {
    const emit: ClientToServerEvents["message:send"] = () => undefined;
    // @ts-expect-error the sender comes from the handshake, never from the payload
    emit({ room: "lobby", text: "hi", from: "mallory" }, () => undefined);
    // @ts-expect-error every request takes an ack callback
    emit({ room: "lobby", text: "hi" });
    // @ts-expect-error the ack receives the envelope, not bare data
    emit({ room: "lobby", text: "hi" }, (sent: MessageSent) => sent);
    const list: ClientToServerEvents["room:list"] = () => undefined;
    // @ts-expect-error room:list takes no payload, only the ack
    list({}, () => undefined);
    const direct: ClientToServerEvents["dm:send"] = () => undefined;
    // @ts-expect-error a direct message names its sender nowhere
    direct({ to: "bob", text: "hi", from: "mallory" }, () => undefined);
    const join: ClientToServerEvents["room:join"] = () => undefined;
    // @ts-expect-error `after` is a message id, a string
    join({ room: "lobby", after: 5 }, () => undefined);
    const push: ServerToClientEvents["message:new"] = () => undefined;
    // @ts-expect-error a pushed message names its sender
    push({ id: "1-0", room: "lobby", text: "hi", sentAt: 1 });
    const batch: ServerToClientEvents["message:batch"] = () => undefined;
    // @ts-expect-error a batch is a list of messages, even of one
    batch({ id: "1-0", room: "lobby", from: "alice", text: "hi", sentAt: 1 });
    const sync: ServerToClientEvents["sync:required"] = () => undefined;
    // @ts-expect-error sync:required carries a reason
    sync();
    expect([emit, list, direct, join, push, batch, sync].map((fn) => typeof fn)).toStrictEqual(Array(7).fill("function"));
  });

  it("drive handlers written against the maps", () => {
    const received: unknown[] = [];
    const handlers: ClientToServerEvents = {
      "message:send": (payload, ack) => {
        ack(payload.text === "" ? fail("invalid_payload", "empty") : ok({ id: "7-0", sentAt: 7 }));
      },
      "room:join": ({ room, after }, ack) => ack(ok({ room, messages: [], more: after !== undefined })),
      "room:leave": (ref, ack) => ack(ok(ref)),
      "room:create": ({ room }, ack) => ack(ok({ room, messages: [], more: false })),
      "room:invite": (invite, ack) => ack(ok(invite)),
      "room:list": (ack) => ack(ok({ rooms: ["lobby"] })),
      "presence:who": ({ room }, ack) => ack(ok({ room, users: ["alice"] })),
      "typing:start": (_ref, ack) => ack(ok({})),
      "history:fetch": ({ room, limit }, ack) => ack(ok({ room, messages: [], more: limit === 1 })),
      "dm:send": ({ to }, ack) => ack(to === "nobody" ? fail("not_found", "no such user") : ok({ id: "8-0", sentAt: 8 })),
      "dm:fetch": (_range, ack) => ack(ok({ messages: [], more: false })),
    };
    handlers["message:send"]({ room: "lobby", text: "hi" }, (ack) => received.push(ack));
    handlers["room:join"]({ room: "lobby", after: "1-0" }, (ack) => received.push(ack));
    handlers["room:list"]((ack) => {
      expectTypeOf(ack).toEqualTypeOf<Ack<{ rooms: string[] }>>();
      received.push(ack);
    });
    handlers["dm:send"]({ to: "nobody", text: "hi", clientId: "abcdefgh" }, (ack) => {
      if (!ack.ok) expectTypeOf(ack.error.code).toEqualTypeOf<ErrorCode>();
      received.push(ack);
    });
    expect(received).toStrictEqual([
      { ok: true, data: { id: "7-0", sentAt: 7 } },
      { ok: true, data: { room: "lobby", messages: [], more: true } },
      { ok: true, data: { rooms: ["lobby"] } },
      { ok: false, error: { code: "not_found", message: "no such user" } },
    ]);
  });
});
