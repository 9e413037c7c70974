// Type-level tests: tsc (`pnpm typecheck`) fails if the Socket.IO event maps stop being
// derived from the schemas. The runtime part drives a handler written against the maps.
import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import {
  ackSchemaOf,
  clientEvents,
  fail,
  ok,
  serverEvents,
  type Ack,
  type AckFailure,
  type ChatMessage,
  type ClientEventArgs,
  type ClientEventName,
  type ClientEventResult,
  type ClientToServerEvents,
  type ErrorCode,
  type InterServerEvents,
  type MessageSend,
  type MessageSent,
  type ServerEventName,
  type ServerToClientEvents,
  type SocketData,
  type UserName,
  type ValidationIssue,
} from "../src/index.ts";

describe("event maps", () => {
  it("name exactly the registries' events", () => {
    expectTypeOf<keyof ClientToServerEvents>().toEqualTypeOf<"message:send">();
    expectTypeOf<keyof ServerToClientEvents>().toEqualTypeOf<"message:new">();
    expectTypeOf<ClientEventName>().toEqualTypeOf<keyof typeof clientEvents>();
    expectTypeOf<ServerEventName>().toEqualTypeOf<keyof typeof serverEvents>();
    expectTypeOf<keyof InterServerEvents>().toEqualTypeOf<never>();
  });

  it("give message:send the payload and an ack of MessageSent", () => {
    expectTypeOf<ClientToServerEvents["message:send"]>().parameters.toEqualTypeOf<
      [MessageSend, (ack: Ack<MessageSent>) => void]
    >();
    expectTypeOf<ClientToServerEvents["message:send"]>().returns.toEqualTypeOf<void>();
  });

  it("give message:new a ChatMessage", () => {
    expectTypeOf<ServerToClientEvents["message:new"]>().parameters.toEqualTypeOf<[ChatMessage]>();
  });

  it("derive from the schemas", () => {
    expectTypeOf<ClientEventArgs<"message:send">>().toEqualTypeOf<z.infer<(typeof clientEvents)["message:send"]["args"]>>();
    expectTypeOf<ClientEventResult<"message:send">>().toEqualTypeOf<z.infer<(typeof clientEvents)["message:send"]["result"]>>();
    expectTypeOf<Parameters<ServerToClientEvents["message:new"]>>().toEqualTypeOf<z.infer<(typeof serverEvents)["message:new"]>>();
    expectTypeOf<Ack<MessageSent>>().toEqualTypeOf<z.infer<ReturnType<typeof ackSchemaOf<"message:send">>>>();
  });

  it("spell out the payload shapes", () => {
    expectTypeOf<MessageSend>().toEqualTypeOf<{ room: string; text: string }>();
    expectTypeOf<MessageSent>().toEqualTypeOf<{ id: string; sentAt: number }>();
    expectTypeOf<ChatMessage>().toEqualTypeOf<{ id: string; room: string; from: string; text: string; sentAt: number }>();
    expectTypeOf<SocketData>().toEqualTypeOf<{ name: UserName }>();
    expectTypeOf<ErrorCode>().toEqualTypeOf<
      "invalid_payload" | "unknown_event" | "unauthorized" | "forbidden" | "not_found" | "rate_limited" | "unavailable" | "internal"
    >();
    expectTypeOf<AckFailure>().toEqualTypeOf<{
      ok: false;
      error: { code: ErrorCode; message: string; issues?: ValidationIssue[] | undefined };
    }>();
    expectTypeOf(ok<MessageSent>).returns.toEqualTypeOf<Ack<MessageSent>>();
    expectTypeOf(fail).returns.toEqualTypeOf<AckFailure>();
  });

  it("refuse what the schemas refuse", () => {
    const emit: ClientToServerEvents["message:send"] = () => undefined;
    // @ts-expect-error the sender comes from the handshake, never from the payload
    emit({ room: "lobby", text: "hi", from: "mallory" }, () => undefined);
    // @ts-expect-error every request takes an ack callback
    emit({ room: "lobby", text: "hi" });
    // @ts-expect-error the ack receives the envelope, not bare data
    emit({ room: "lobby", text: "hi" }, (sent: MessageSent) => sent);
    const push: ServerToClientEvents["message:new"] = () => undefined;
    // @ts-expect-error a pushed message names its sender
    push({ id: "1-0", room: "lobby", text: "hi", sentAt: 1 });
    expect(typeof emit).toBe("function");
  });

  it("drive a handler written against the maps", () => {
    const received: Ack<MessageSent>[] = [];
    const handlers: ClientToServerEvents = {
      "message:send": (payload, ack) => {
        ack(payload.text === "" ? fail("invalid_payload", "empty") : ok({ id: "7-0", sentAt: 7 }));
      },
    };
    handlers["message:send"]({ room: "lobby", text: "hi" }, (ack) => received.push(ack));
    handlers["message:send"]({ room: "lobby", text: "" }, (ack) => received.push(ack));
    expect(received).toStrictEqual([
      { ok: true, data: { id: "7-0", sentAt: 7 } },
      { ok: false, error: { code: "invalid_payload", message: "empty" } },
    ]);
    const first = received[0];
    if (first?.ok) expectTypeOf(first.data).toEqualTypeOf<MessageSent>();
    else if (first) expectTypeOf(first.error.code).toEqualTypeOf<ErrorCode>();
    expect(first?.ok).toBe(true);
  });
});
