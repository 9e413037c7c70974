import { limits, type ClientEventName, type ValidationIssue } from "@chat/protocol";
import { describe, expect, it } from "vitest";
import { StoreUnavailableError } from "../../src/messages/message-store.ts";
import { appWithFaultyStore, type FaultyMessageStore } from "../support/faulty-message-store.ts";
import { startInProcessApp } from "../support/in-process-app.ts";
import { record } from "../support/recorder.ts";
import { ok, refused } from "../support/requests.ts";
import { roundTrip } from "../support/round-trip.ts";
import { emitRaw, parseFailure, untyped } from "../support/wire.ts";

/**
 * The steps every event shares (`define-handler.ts`, and the app's catch-all for the rest):
 * arguments checked against the protocol's schema, every refusal an error ack with a code,
 * a request without an ack callback dropped, an unknown event refused, a failing store
 * answered for. Each refusal is logged once, and nothing refused reaches anyone.
 */
describe("the steps every event shares", () => {
  type Case = { event: ClientEventName; args: unknown[]; issues: { path: ValidationIssue["path"]; message: string | RegExp }[] };
  const invalid: Case[] = [
    { event: "message:send", args: [{ room: "lobby", text: "" }], issues: [{ path: [0, "text"], message: "text must not be empty" }] },
    { event: "room:join", args: [{ room: "" }], issues: [{ path: [0, "room"], message: "room name must not be empty" }] },
    { event: "room:leave", args: [{}], issues: [{ path: [0, "room"], message: "room name must be a string" }] },
    { event: "room:list", args: ["lobby"], issues: [{ path: [], message: /<=0 items/ }] },
    { event: "presence:who", args: [{ room: 42 }], issues: [{ path: [0, "room"], message: "room name must be a string" }] },
    { event: "typing:start", args: ["lobby"], issues: [{ path: [0], message: /expected object, received string/ }] },
    { event: "history:fetch", args: [{ room: "lobby", limit: 0 }], issues: [{ path: [0, "limit"], message: /too small/i }] },
    {
      event: "dm:send",
      args: [{ to: "B", text: "x".repeat(limits.textMaxLength + 1) }],
      issues: [{ path: [0, "text"], message: `text must be at most ${limits.textMaxLength} characters` }],
    },
    { event: "dm:fetch", args: [{ after: "yesterday" }], issues: [{ path: [0, "after"], message: "a message id looks like 1700000000000-0" }] },
  ];

  it.each(invalid)("refuses invalid arguments for $event with invalid_payload, the issues and a log line", async ({ event, args, issues }) => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    const atB = record(b);
    const { error } = parseFailure(await emitRaw(a, event, args));
    expect(error.code).toBe("invalid_payload");
    expect(error.message).toBe(`invalid arguments for ${event}`);
    expect(error.issues).toEqual(issues.map(({ path, message }) => ({ path, message: typeof message === "string" ? message : expect.stringMatching(message) })));
    expect(app.log.errors()).toEqual([`refused ${event} from user A (id: ${a.id}): invalid payload`]);
    await roundTrip(b);
    expect(atB.all).toEqual([]);
    // The connection goes on as before.
    expect(await ok(a, "room:list")).toEqual({ rooms: ["lobby"] });
  });

  it("refuses more arguments than the event takes", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const { error } = parseFailure(await emitRaw(a, "message:send", [{ room: "lobby", text: "hi" }, "extra"]));
    expect(error).toMatchObject({ code: "invalid_payload", issues: [{ path: [], message: expect.stringMatching(/<=1 items/) }] });
  });

  it("refuses a payload with several problems with one issue each", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const { error } = parseFailure(await emitRaw(a, "message:send", [{ room: "", text: "", clientId: "short" }]));
    expect(error.code).toBe("invalid_payload");
    expect(error.issues?.map((issue) => issue.path)).toEqual([
      [0, "room"],
      [0, "text"],
      [0, "clientId"],
    ]);
  });

  it("drops a request sent without an ack callback, even a valid one: nothing is delivered or stored, and it is logged", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const b = await app.connect("B");
    const atB = record(b);
    untyped(a).emit("message:send", { room: "lobby", text: "no ack wanted" });
    untyped(a).emit("message:send", 42);
    await roundTrip(a);
    await roundTrip(b);
    expect(atB.all).toEqual([]);
    expect(await ok(b, "history:fetch", { room: "lobby" })).toEqual({ room: "lobby", messages: [], more: false });
    expect(app.log.errors()).toEqual([
      `dropped message:send from user A (id: ${a.id}): no acknowledgement callback`,
      `dropped message:send from user A (id: ${a.id}): no acknowledgement callback`,
    ]);
  });

  it("refuses an unknown event with unknown_event, naming it, and logs it", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    expect(parseFailure(await emitRaw(a, "message:delete", [{ id: "1-0" }]))).toEqual({
      ok: false,
      error: { code: "unknown_event", message: "unknown event message:delete" },
    });
    expect(app.log.errors()).toEqual([`refused unknown event "message:delete" from id: ${a.id}`]);
  });

  it("names at most 64 characters of a long unknown event in the ack, and 80 of its quoted name in the log", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const name = "x".repeat(200);
    const { error } = parseFailure(await emitRaw(a, name, []));
    expect(error).toEqual({ code: "unknown_event", message: `unknown event ${"x".repeat(64)}` });
    expect(app.log.errors()).toEqual([`refused unknown event ${`"${name}"`.slice(0, 80)} from id: ${a.id}`]);
  });

  it("refuses an event named by a number, and a server event sent back to it", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    expect(parseFailure(await untyped(a).timeout(5000).emitWithAck(42 as unknown as string)).error).toEqual({
      code: "unknown_event",
      message: "unknown event 42",
    });
    expect(parseFailure(await emitRaw(a, "message:new", [{ text: "forged" }])).error.code).toBe("unknown_event");
  });

  it("logs an unknown event sent without an ack callback, and answers nothing", async () => {
    const app = await startInProcessApp();
    const a = await app.connect("A");
    const atA = record(a);
    untyped(a).emit("no:such", 1, 2);
    await roundTrip(a);
    expect(atA.all).toEqual([]);
    expect(app.log.errors()).toEqual([`refused unknown event "no:such" from id: ${a.id}`]);
  });

  describe("a store that fails", () => {
    const start = async () => {
      let store: FaultyMessageStore | undefined;
      const app = await startInProcessApp({ app: appWithFaultyStore((made) => (store = made)) });
      if (store === undefined) throw new Error("the app made no message store");
      return { app, store };
    };

    it("answers unavailable when the store cannot be reached, logs the cause, and serves again once it can", async () => {
      const { app, store } = await start();
      const a = await app.connect("A");
      const b = await app.connect("B");
      const atB = record(b);
      const cause = new StoreUnavailableError(new Error("connection refused"));
      store.fault = cause;
      for (const [event, args] of [
        ["message:send", { room: "lobby", text: "lost?" }],
        ["dm:send", { to: "B", text: "lost?" }],
        ["history:fetch", { room: "lobby" }],
        ["dm:fetch", {}],
      ] as const) {
        expect(parseFailure(await emitRaw(a, event, [args])).error).toEqual({
          code: "unavailable",
          message: "the service cannot store messages right now; try again",
        });
        expect(app.log.lines.at(-1)).toEqual({ level: "error", line: `could not handle ${event} from user A (id: ${a.id})`, cause });
      }
      // What needs no store still works.
      expect(await ok(a, "presence:who", { room: "lobby" })).toEqual({ room: "lobby", users: ["A", "B"] });
      store.fault = undefined;
      await ok(a, "message:send", { room: "lobby", text: "back" });
      await roundTrip(b);
      expect(atB.of("message:new").map((message) => message.text)).toEqual(["back"]);
      expect(atB.of("dm:new")).toEqual([]);
    });

    it("answers internal when the store breaks, and logs the error", async () => {
      const { app, store } = await start();
      const a = await app.connect("A");
      const cause = new Error("something broke");
      store.fault = cause;
      expect(await refused(a, "message:send", { room: "lobby", text: "hm" })).toEqual({
        code: "internal",
        message: "the server failed to handle the request",
      });
      expect(app.log.lines.at(-1)).toEqual({ level: "error", line: `failed to handle message:send from user A (id: ${a.id})`, cause });
      store.fault = undefined;
      await ok(a, "message:send", { room: "lobby", text: "fine again" });
    });
  });
});
