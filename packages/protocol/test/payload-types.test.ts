// Type-level tests: the type of every schema, spelled out, so that a schema change that
// changes what code on either side may send or receive fails `pnpm typecheck`.
import { describe, expectTypeOf, it } from "vitest";
import {
  fail,
  ok,
  type Ack,
  type AckFailure,
  type ChatMessage,
  type DirectMessage,
  type DirectSend,
  type ErrorCode,
  type HistoryFetch,
  type MessageBatch,
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
  type RoomCreate,
  type RoomInvite,
  type SyncRequired,
  type TypingNotice,
  type ValidationIssue,
} from "../src/index.ts";

type Message = { id: string; room: string; from: string; text: string; sentAt: number; clientId?: string | undefined };
type Direct = { id: string; from: string; to: string; text: string; sentAt: number; clientId?: string | undefined };

describe("payload types", () => {
  it("messages", () => {
    expectTypeOf<MessageSend>().toEqualTypeOf<{ room: string; text: string; clientId?: string | undefined }>();
    expectTypeOf<MessageSent>().toEqualTypeOf<{ id: string; sentAt: number }>();
    expectTypeOf<ChatMessage>().toEqualTypeOf<Message>();
    expectTypeOf<MessageBatch>().toEqualTypeOf<Message[]>();
  });

  it("direct messages", () => {
    expectTypeOf<DirectSend>().toEqualTypeOf<{ to: string; text: string; clientId?: string | undefined }>();
    expectTypeOf<DirectMessage>().toEqualTypeOf<Direct>();
    expectTypeOf<InboxFetch>().toEqualTypeOf<{
      after?: string | undefined;
      before?: string | undefined;
      limit?: number | undefined;
    }>();
    expectTypeOf<InboxPage>().toEqualTypeOf<{ messages: Direct[]; more: boolean }>();
  });

  it("rooms and history", () => {
    expectTypeOf<RoomJoin>().toEqualTypeOf<{ room: string; after?: string | undefined }>();
    expectTypeOf<RoomRef>().toEqualTypeOf<{ room: string }>();
    expectTypeOf<RoomCreate>().toEqualTypeOf<{ room: string; private?: boolean | undefined }>();
    expectTypeOf<RoomInvite>().toEqualTypeOf<{ room: string; user: string }>();
    expectTypeOf<RoomList>().toEqualTypeOf<{ rooms: string[] }>();
    expectTypeOf<RoomPage>().toEqualTypeOf<{ room: string; messages: Message[]; more: boolean }>();
    expectTypeOf<HistoryFetch>().toEqualTypeOf<{ room: string; before?: string | undefined; limit?: number | undefined }>();
  });

  it("presence, typing and sync", () => {
    expectTypeOf<PresenceList>().toEqualTypeOf<{ room: string; users: string[] }>();
    expectTypeOf<PresenceChange>().toEqualTypeOf<{ room: string; user: string }>();
    expectTypeOf<TypingNotice>().toEqualTypeOf<{ room: string; user: string }>();
    expectTypeOf<SyncRequired>().toEqualTypeOf<{ reason: string }>();
  });

  it("acknowledgements", () => {
    expectTypeOf<ErrorCode>().toEqualTypeOf<
      | "invalid_payload"
      | "unknown_event"
      | "unauthorized"
      | "forbidden"
      | "not_found"
      | "rate_limited"
      | "not_invited"
      | "room_exists"
      | "room_quota_exceeded"
      | "client_id_reused"
      | "unavailable"
      | "internal"
    >();
    expectTypeOf<AckFailure>().toEqualTypeOf<{
      ok: false;
      error: { code: ErrorCode; message: string; issues?: ValidationIssue[] | undefined };
    }>();
    expectTypeOf<ValidationIssue>().toEqualTypeOf<{ path: (string | number)[]; message: string }>();
    expectTypeOf(ok<MessageSent>).returns.toEqualTypeOf<Ack<MessageSent>>();
    expectTypeOf(fail).returns.toEqualTypeOf<AckFailure>();
  });
});
