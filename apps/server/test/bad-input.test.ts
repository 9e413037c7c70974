import { ConnectRefusal, limits, type ValidationIssue } from "@chat/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsOnDifferentWorkers, connectClient, type RunningServer, startServer, type TestClient } from "@chat/test-kit";
import { emitRaw, inbox, parseFailure, parseSendAck, sendLine, tryConnect, untyped, type Inbox } from "./support/wire.ts";

const escape = (value: string) => value.replace(/[-\\^$*+?.()|[\]{}]/g, "\\$&");

/**
 * What a client may send that the protocol forbids. Every refusal is an error ack with a
 * code, nothing refused reaches anyone, and the worker that refused it keeps serving.
 *
 * A (the sender) and B (the listener) are on different workers, so a refused line that
 * leaked would have to cross Redis to show up: the check covers the whole delivery path.
 * After each refusal A sends a good line that B must receive; B's inbox is then compared with
 * the good lines alone, so a leak would show up before that line, in order.
 */
describe("bad input from a connected client", () => {
  let server: RunningServer;
  const clients: TestClient[] = [];
  let a: TestClient;
  let b: TestClient;
  let workerOfA: number;
  let atA: Inbox;
  let atB: Inbox;
  const goodLines: string[] = [];

  beforeAll(async () => {
    server = await startServer({ workers: 2 });
    const pair = await clientsOnDifferentWorkers(server.url, (id) => server.workerOf(id), ["A", "B"]);
    clients.push(pair.a, pair.b, ...pair.extra);
    pair.extra.forEach((client) => client.close());
    ({ a, b } = pair);
    workerOfA = pair.workers[0];
    atA = inbox(a);
    atB = inbox(b);
  }, 60_000);
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await server?.stop();
  }, 60_000);

  /** The positive control: a good line from A reaches B, and B has seen nothing but good lines. */
  const expectOnlyGoodLinesDelivered = async () => {
    const text = `good line ${goodLines.length + 1}`;
    goodLines.push(text);
    const id = await sendLine(a, text);
    expect(await atB.waitForText(text)).toMatchObject({ id, from: "A", room: "lobby", text });
    expect(atB.texts()).toEqual(goodLines);
    expect(atA.texts()).toEqual([]);
  };

  /** The one issue expected: its exact path, and its message exactly (a string) or in part (a pattern). */
  type ExpectedIssue = { path: ValidationIssue["path"]; message: string | RegExp };
  const invalidPayloads: { what: string; args: unknown[]; issue: ExpectedIssue }[] = [
    { what: "a number", args: [42], issue: { path: [0], message: /expected object, received number/ } },
    { what: "null", args: [null], issue: { path: [0], message: /expected object, received null/ } },
    { what: "an array", args: [["lobby", "leaked: array"]], issue: { path: [0], message: /expected object, received array/ } },
    { what: "a string", args: ["leaked: string"], issue: { path: [0], message: /expected object, received string/ } },
    { what: "no argument at all", args: [], issue: { path: [], message: /expected array to have >=1 items/ } },
    {
      what: "an extra argument",
      args: [{ room: "lobby", text: "leaked: extra argument" }, "extra"],
      issue: { path: [], message: /expected array to have <=1 items/ },
    },
    {
      what: "an extra key claiming another sender",
      args: [{ room: "lobby", text: "leaked: I am B", from: "B" }],
      issue: { path: [0], message: /Unrecognized key: "from"/ },
    },
    {
      what: "an own __proto__ key",
      args: [JSON.parse('{"room":"lobby","text":"leaked: proto","__proto__":{"from":"B"}}') as unknown],
      issue: { path: [0], message: 'Unrecognized key: "__proto__"' },
    },
    {
      what: "binary text",
      args: [{ room: "lobby", text: Buffer.from("leaked: binary") }],
      issue: { path: [0, "text"], message: "text must be a string" },
    },
    {
      what: "a clientId too short",
      args: [{ room: "lobby", text: "leaked: short clientId", clientId: "abc" }],
      issue: { path: [0, "clientId"], message: "clientId must be at least 8 characters" },
    },
    {
      what: "a clientId with spaces",
      args: [{ room: "lobby", text: "leaked: bad clientId", clientId: "abc def ghi" }],
      issue: { path: [0, "clientId"], message: /^clientId may hold only/ },
    },
    {
      what: "text one character over the limit",
      args: [{ room: "lobby", text: "x".repeat(limits.textMaxLength + 1) }],
      issue: { path: [0, "text"], message: `text must be at most ${limits.textMaxLength} characters` },
    },
    { what: "empty text", args: [{ room: "lobby", text: "" }], issue: { path: [0, "text"], message: "text must not be empty" } },
    { what: "no text", args: [{ room: "lobby" }], issue: { path: [0, "text"], message: "text must be a string" } },
    { what: "text that is a number", args: [{ room: "lobby", text: 7 }], issue: { path: [0, "text"], message: "text must be a string" } },
    {
      what: "a room name with spaces",
      args: [{ room: "the lobby", text: "leaked: bad room" }],
      issue: { path: [0, "room"], message: /^room name may hold only letters/ },
    },
    {
      what: "a room name that is a Socket.IO room of another kind",
      args: [{ room: "user:B", text: "leaked: user room" }],
      issue: { path: [0, "room"], message: /^room name may hold only letters/ },
    },
    {
      what: "a room name over the limit",
      args: [{ room: "r".repeat(limits.nameMaxLength + 1), text: "leaked: long room" }],
      issue: { path: [0, "room"], message: `room name must be at most ${limits.nameMaxLength} characters` },
    },
  ];

  it.each(invalidPayloads)("message:send with $what: invalid_payload naming the path, nothing delivered", async ({ args, issue }) => {
    const linesBefore = server.lines.length;
    const failure = parseFailure(await emitRaw(a, "message:send", args));
    expect(failure.error.code).toBe("invalid_payload");
    expect(failure.error.message).toBe("invalid arguments for message:send");
    // Every issue names the expected path; one of them says what is wrong.
    const issues = failure.error.issues ?? [];
    expect(issues.map(({ path }) => path)).toEqual(issues.map(() => issue.path));
    expect(issues).toContainEqual({
      path: issue.path,
      message: typeof issue.message === "string" ? issue.message : expect.stringMatching(issue.message),
    });
    await expectOnlyGoodLinesDelivered();
    // One log line for the refusal, and nothing else from A.
    const aboutA = server.lines.slice(linesBefore).filter((line) => line.includes(`id: ${a.id}`));
    expect(aboutA).toHaveLength(1);
    expect(aboutA[0]).toMatch(new RegExp(`^worker: ${workerOfA}, refused message:send from user A \\(id: ${escape(a.id ?? "")}\\): invalid payload`));
  });

  it("message:send to a well-formed room A has not joined: forbidden, nothing delivered", async () => {
    const failure = parseFailure(await emitRaw(a, "message:send", [{ room: "elsewhere", text: "leaked: not a member" }]));
    expect(failure.error).toEqual({ code: "forbidden", message: "you are not in room elsewhere" });
    await expectOnlyGoodLinesDelivered();
  });

  it("a good line gets a success ack whose id B sees", async () => {
    const ack = parseSendAck(await emitRaw(a, "message:send", [{ room: "lobby", text: "plain good line" }]));
    expect(ack.ok).toBe(true);
    const seen = await atB.waitForText("plain good line");
    goodLines.push("plain good line");
    expect(ack).toEqual({ ok: true, data: { id: seen.id, sentAt: seen.sentAt } });
  });

  it("message:send without an ack callback is dropped with one log line, nothing delivered", async () => {
    const linesBefore = server.lines.length;
    untyped(a).emit("message:send", { room: "lobby", text: "leaked: no ack" });
    const expected = `worker: ${workerOfA}, dropped message:send from user A (id: ${a.id}): no acknowledgement callback`;
    await server.waitForLine(new RegExp(`^${escape(expected)}$`));
    await expectOnlyGoodLinesDelivered();
    expect(server.lines.slice(linesBefore).filter((line) => line.includes(`id: ${a.id}`))).toEqual([expected]);
  });

  it("an invalid payload without an ack callback is dropped too, nothing delivered", async () => {
    const linesBefore = server.lines.length;
    untyped(a).emit("message:send", { room: "lobby", text: "leaked: no ack, extra key", from: "B" });
    const expected = `worker: ${workerOfA}, dropped message:send from user A (id: ${a.id}): no acknowledgement callback`;
    await expectOnlyGoodLinesDelivered();
    expect(server.lines.slice(linesBefore).filter((line) => line.includes(`id: ${a.id}`))).toEqual([expected]);
  });

  it("an unknown event with an ack gets unknown_event, nothing delivered", async () => {
    const failure = parseFailure(await emitRaw(a, "room:teleport", [{ room: "elsewhere" }]));
    expect(failure.error).toEqual({ code: "unknown_event", message: "unknown event room:teleport" });
    await server.waitForLine(new RegExp(`refused unknown event "room:teleport" from id: ${escape(a.id ?? "")}$`));
    await expectOnlyGoodLinesDelivered();
  });

  it("an unknown event named like a server event (message:new) is refused, not relayed", async () => {
    const failure = parseFailure(
      await emitRaw(a, "message:new", [{ id: "1-0", room: "lobby", from: "B", text: "leaked: forged message:new", sentAt: 1 }]),
    );
    expect(failure.error.code).toBe("unknown_event");
    await expectOnlyGoodLinesDelivered();
  });

  it("an unknown event without an ack is logged and ignored", async () => {
    const refused = new RegExp(`refused unknown event "room:vanish" from id: ${escape(a.id ?? "")}$`);
    untyped(a).emit("room:vanish", { room: "elsewhere" });
    await server.waitForLine(refused);
    await expectOnlyGoodLinesDelivered();
    expect(server.lines.filter((line) => refused.test(line))).toHaveLength(1);
  });

  it("an unknown event named `error` (special to EventEmitter) gets unknown_event and crashes nothing", async () => {
    const failure = parseFailure(await emitRaw(a, "error", [{ room: "lobby", text: "leaked: error event" }]));
    expect(failure.error).toEqual({ code: "unknown_event", message: "unknown event error" });
    await expectOnlyGoodLinesDelivered();
    expect(a.connected).toBe(true);
    expect(server.lines.filter((line) => /exited/.test(line))).toEqual([]);
  });

  describe("a handshake without a valid name is refused with connect_error { code: unauthorized }", () => {
    // Each message is "invalid handshake: " and the schema's reasons; `says` is the reason expected among them.
    const refusals: { what: string; auth: Record<string, unknown> | undefined; says: string }[] = [
      { what: "no auth at all", auth: undefined, says: "user name must be a string" },
      { what: "auth without a name", auth: {}, says: "user name must be a string" },
      { what: "an empty name", auth: { name: "" }, says: "user name must not be empty" },
      { what: "a number for a name", auth: { name: 42 }, says: "user name must be a string" },
      { what: "an object for a name", auth: { name: { first: "A" } }, says: "user name must be a string" },
      {
        what: "a name over the limit",
        auth: { name: "n".repeat(limits.nameMaxLength + 1) },
        says: `user name must be at most ${limits.nameMaxLength} characters`,
      },
      {
        what: "a name with spaces",
        auth: { name: "A B" },
        says: 'user name may hold only letters, digits, "_", "-" and ".", and must start with a letter or digit',
      },
      { what: "an extra auth field", auth: { name: "A", admin: true }, says: 'Unrecognized key: "admin"' },
    ];

    it.each(refusals)("$what", async ({ auth, says }) => {
      const connectionsBefore = server.lines.filter((line) => / connected, id: /.test(line)).length;
      const outcome = await tryConnect(server.url, auth);
      expect(outcome.connected).toBe(false);
      if (outcome.connected) return;
      const refusal = ConnectRefusal.parse(outcome.data);
      expect(refusal.code).toBe("unauthorized");
      expect(refusal.message).toMatch(/^invalid handshake: /);
      expect(refusal.message.slice("invalid handshake: ".length).split("; ")).toContain(says);
      expect(outcome.message).toBe(refusal.message);
      expect(server.lines.filter((line) => / connected, id: /.test(line)).length).toBe(connectionsBefore);
    });

    it("and a valid name on the same server still connects", async () => {
      const outcome = await tryConnect(server.url, { name: "C.d-e_1" });
      expect(outcome).toEqual({ connected: true });
    });
  });

  it("after all of it, A's worker is still up and the same connections still talk both ways", async () => {
    expect(a.connected && b.connected).toBe(true);
    await expectOnlyGoodLinesDelivered();
    await sendLine(b, "B answers");
    expect((await atA.waitForText("B answers")).from).toBe("B");
    expect(atA.texts()).toEqual(["B answers"]);
    // A new client is served by the same worker too.
    let fresh: TestClient | undefined;
    for (let attempt = 0; attempt < 20 && fresh === undefined; attempt++) {
      const client = await connectClient(server.url, "D");
      clients.push(client);
      if ((await server.workerOf(client.id ?? "")) === workerOfA) fresh = client;
      else client.close();
    }
    expect(fresh).toBeDefined();
    await sendLine(fresh ?? a, "from D");
    await atB.waitForText("from D");
    expect(server.lines.filter((line) => /exited|failed to handle/.test(line))).toEqual([]);
  });
});
