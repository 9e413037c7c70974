import { AckFailure } from "@chat/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  childPids,
  clientsOnDifferentWorkers,
  connectClient,
  isAlive,
  isText,
  openPollingChat,
  openRawChat,
  pollingHandshake,
  pollingPath,
  type RawChat,
  rawHttp,
  type RawWebSocket,
  rssOf,
  type RunningServer,
  simultaneousRequests,
  sleep,
  startTimeOf,
  tcpExchange,
  type TcpOutcome,
  type TestClient,
  textOf,
  uniquePrefix,
  WsOpcode,
} from "@chat/test-kit";
import { ProcessGuard, startServerPatiently } from "./support/topology.ts";
import { inbox, sendLine, type Inbox } from "./support/wire.ts";

/**
 * Abuse below Socket.IO, against the primary's port: oversized packets, malformed Engine.IO
 * packets, a flood of abandoned handshakes, unknown sessions, bytes that are not HTTP, a
 * header that never ends (by size and by time) and a reader that stops reading. After each,
 * the primary and both workers are the same processes as at the start, nothing leaked to a
 * watching client, and a fresh pair of clients on different workers still talk.
 */

/** The limit the server is started with (MAX_PAYLOAD_BYTES); the tests read the one in force from the handshake. */
const configuredMaxPayload = 4096;
/**
 * The primary answers 408 and closes a connection whose header is not complete a minute
 * after it was accepted, as Node's own HTTP server does (`headersTimeout`).
 */
const stallLimitMs = 100_000;
/** Marks every line an abuse tries to send: none of them may ever reach the watcher. */
const leakMark = "raw-leak";

describe("raw Engine.IO / HTTP abuse against the primary's port", () => {
  let server: RunningServer;
  const guard = new ProcessGuard();
  let primaryPid: number;
  const workerStart = new Map<number, string | undefined>();
  /** The maxPayload the server advertises in its handshake: the limit actually enforced. */
  let maxPayload: number;
  let watcher: TestClient;
  let atWatcher: Inbox;
  const clients: TestClient[] = [];
  const raws: RawWebSocket[] = [];
  let probes = 0;
  /** Connections that stall before their header ends, opened first thing (see the last test). */
  let stalled: { openedAt: number; partial: Promise<TcpOutcome>; silent: Promise<TcpOutcome> };

  beforeAll(async () => {
    server = await startServerPatiently({
      workers: 2,
      prefix: uniquePrefix(),
      env: {
        MAX_PAYLOAD_BYTES: String(configuredMaxPayload),
        // The fan-out test sends many lines from one connection; rate limits are not under test here.
        SEND_RATE_PER_CONNECTION: "100000",
        SEND_RATE_PER_USER: "100000",
        EVENT_RATE_PER_CONNECTION: "100000",
        EVENT_RATE_PER_USER: "100000",
      },
    });
    guard.watch(server);
    primaryPid = server.child.pid ?? -1;
    const workers = childPids(primaryPid);
    expect(workers).toHaveLength(2);
    for (const pid of workers) workerStart.set(pid, startTimeOf(pid));
    maxPayload = (await pollingHandshake(server.port)).maxPayload;
    stalled = {
      openedAt: Date.now(),
      partial: tcpExchange(server.port, [Buffer.from(`GET ${pollingPath()} HTTP/1.1\r\nHost: 127.0.0.1\r\n`)], { waitMs: stallLimitMs }),
      silent: tcpExchange(server.port, [], { waitMs: stallLimitMs }),
    };
    watcher = await connectClient(server.url, "watcher");
    clients.push(watcher);
    atWatcher = inbox(watcher);
  }, 120_000);

  afterAll(async () => {
    clients.forEach((client) => client.close());
    raws.forEach((ws) => ws.destroy());
    await guard.stopAll();
  }, 60_000);

  const rawChat = async (name: string): Promise<RawChat> => {
    const chat = await openRawChat(server.port, name);
    raws.push(chat.ws);
    return chat;
  };

  /** The same processes as at the start, alive; nothing logged an exit. */
  const expectSameProcesses = () => {
    expect(isAlive(primaryPid)).toBe(true);
    expect(childPids(primaryPid).sort()).toEqual([...workerStart.keys()].sort());
    for (const [pid, start] of workerStart) expect(startTimeOf(pid)).toBe(start);
    expect(server.lines.filter((line) => /exited/.test(line))).toEqual([]);
  };

  /**
   * Same processes, no leak at the watcher, and two fresh clients talk both ways: on different
   * workers, unless `anyWorkers` (after a flood the primary sends every new connection to
   * the worker that got fewer of the flood, until the flood's sessions expire).
   */
  const expectEverythingStillUp = async ({ anyWorkers = false } = {}) => {
    expectSameProcesses();
    const n = ++probes;
    const names: [string, string] = [`probeA${n}`, `probeB${n}`];
    const pair = anyWorkers
      ? { a: await connectClient(server.url, names[0]), b: await connectClient(server.url, names[1]), extra: [] }
      : await clientsOnDifferentWorkers(server.url, (id) => server.workerOf(id), names);
    try {
      const atA = inbox(pair.a);
      const atB = inbox(pair.b);
      await sendLine(pair.a, `probe ${n} from A`);
      await atB.waitForText(`probe ${n} from A`);
      await sendLine(pair.b, `probe ${n} from B`);
      await atA.waitForText(`probe ${n} from B`);
      await atWatcher.waitForText(`probe ${n} from B`);
    } finally {
      [pair.a, pair.b, ...pair.extra].forEach((client) => client.close());
    }
    expect(atWatcher.texts().filter((text) => text.includes(leakMark))).toEqual([]);
    expectSameProcesses();
  };

  /** A Socket.IO EVENT packet with an ack id whose WebSocket frame is exactly `bytes` long. */
  const packetOfSize = (bytes: number, tag: string): string => {
    const head = `421["message:send",{"room":"lobby","text":"${leakMark} ${tag} `;
    const tail = `"}]`;
    const packet = head + "x".repeat(bytes - head.length - tail.length) + tail;
    expect(Buffer.byteLength(packet)).toBe(bytes);
    return packet;
  };

  it("the handshake advertises MAX_PAYLOAD_BYTES as the largest packet it takes", async () => {
    // config.ts documents MAX_PAYLOAD_BYTES ("larger ones close the connection"); the
    // server tells clients its limit in the Engine.IO open packet.
    expect((await pollingHandshake(server.port)).maxPayload).toBe(configuredMaxPayload);
  });

  it("over WebSocket, a packet just under the limit is answered and one over it closes the connection (1009)", async () => {
    const under = await rawChat("under");
    under.ws.sendText(packetOfSize(maxPayload - 16, "under"));
    const answer = await under.ws.next((frame) => isText(frame) && textOf(frame).startsWith("431["));
    const [ack] = JSON.parse(textOf(answer).slice(3)) as unknown[];
    // The text is far over the protocol's limit: refused by validation, not by size.
    expect(AckFailure.parse(ack).error.code).toBe("invalid_payload");
    expect(under.ws.isClosed).toBe(false);

    for (const bytes of [...new Set([maxPayload + 1024, 2 * 1024 * 1024])]) {
      const over = await rawChat(`over${bytes}`);
      over.ws.sendText(packetOfSize(bytes, `over ${bytes}`));
      expect(await over.ws.closedWithin(10_000), `a ${bytes}-byte frame did not close the connection`).toBe(true);
      expect(over.ws.closeCode).toBe(1009);
    }
    await expectEverythingStillUp();
  });

  it("over long-polling, a POST over the limit is refused with 413 and one under it is taken", async () => {
    const chat = await openPollingChat(server.port, "poller");
    for (const bytes of [...new Set([maxPayload + 1024, 2 * 1024 * 1024])]) {
      const response = await chat.post(packetOfSize(bytes, `poll over ${bytes}`));
      expect(response.status, `POST of ${bytes} bytes`).toBe(413);
    }
    const posted = await chat.post(packetOfSize(maxPayload - 16, "poll under"));
    expect(posted.status).toBe(200);
    expect(posted.body.toString()).toBe("ok");
    await expectEverythingStillUp();
  });

  /**
   * Malformed packets on an established Socket.IO connection. `closes`: the server ends the
   * connection. `ignored`: the connection stays and still answers a request.
   */
  const malformed: { what: string; send: (ws: RawWebSocket) => void; outcome: "closes" | "ignored" }[] = [
    { what: "garbage after the message type 4", send: (ws) => ws.sendText("4garbage"), outcome: "closes" },
    { what: "an event whose JSON never ends (42[)", send: (ws) => ws.sendText("42["), outcome: "closes" },
    { what: "an event that is a JSON object, not an array", send: (ws) => ws.sendText('42{"room":"lobby"}'), outcome: "closes" },
    { what: "an event named null", send: (ws) => ws.sendText("42[null]"), outcome: "closes" },
    { what: "an event with a reserved name (disconnecting)", send: (ws) => ws.sendText('42["disconnecting"]'), outcome: "closes" },
    { what: "a second CONNECT claiming another name", send: (ws) => ws.sendText('40{"name":"someone-else"}'), outcome: "closes" },
    { what: "a binary event announcing 99 attachments", send: (ws) => ws.sendText('4599-["message:send",{}]'), outcome: "closes" },
    {
      what: "a binary event whose placeholder points past its attachments",
      send: (ws) => {
        ws.sendText(`451-["message:send",{"room":"lobby","text":{"_placeholder":true,"num":7}}]`);
        ws.sendBinary(Buffer.from(`${leakMark} attachment`));
      },
      outcome: "closes",
    },
    { what: "binary garbage where no attachment is expected", send: (ws) => ws.sendBinary(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3])), outcome: "closes" },
    { what: "a text frame that is not UTF-8", send: (ws) => ws.sendFrame(WsOpcode.text, Buffer.from([0x34, 0x32, 0xff, 0xfe, 0xc3])), outcome: "closes" },
    { what: "an unknown Engine.IO packet type (9)", send: (ws) => ws.sendText("9hello"), outcome: "closes" },
    { what: "an empty text frame", send: (ws) => ws.sendText(""), outcome: "closes" },
    { what: "a ping from the client (Engine.IO v4 pings go the other way)", send: (ws) => ws.sendText("2"), outcome: "closes" },
    { what: "a frame with a reserved bit set", send: (ws) => ws.sendFrame(WsOpcode.text, Buffer.from("6"), { rsv: 4 }), outcome: "closes" },
    { what: "an unmasked client frame", send: (ws) => ws.sendFrame(WsOpcode.text, Buffer.from("6"), { masked: false }), outcome: "closes" },
    { what: "an unknown WebSocket opcode (3)", send: (ws) => ws.sendFrame(3, Buffer.from("x")), outcome: "closes" },
    { what: "an ack for an id the server never sent", send: (ws) => ws.sendText("43999[{}]"), outcome: "ignored" },
    { what: "an Engine.IO noop", send: (ws) => ws.sendText("6"), outcome: "ignored" },
  ];

  it.each(malformed)("a malformed packet over WebSocket: $what ($outcome)", async ({ send, outcome }) => {
    const chat = await rawChat("malformed");
    send(chat.ws);
    if (outcome === "closes") {
      expect(await chat.ws.closedWithin(10_000)).toBe(true);
    } else {
      const [ack] = await chat.request("room:list", []);
      expect(ack).toEqual({ ok: true, data: { rooms: ["lobby"] } });
      expect(chat.ws.isClosed).toBe(false);
    }
    await expectEverythingStillUp();
  });

  it("malformed long-polling bodies end the session or are refused with 400", async () => {
    const sessionGone = async (chat: Awaited<ReturnType<typeof openPollingChat>>) => {
      // Gone: the sid is unknown now (400), or the server says goodbye with a close packet.
      // A poll may first bring what was already waiting for the session (the lobby's
      // notices), so a few polls are read before deciding it stayed.
      for (let polls = 0; polls < 5; polls++) {
        const { status, packets } = await chat.poll();
        if (status === 400 || packets.includes("1")) return true;
        if (status !== 200) return false;
      }
      return false;
    };
    const garbage = await openPollingChat(server.port, "pollgarbage");
    expect((await garbage.post("4garbage")).status).toBe(200);
    expect(await sessionGone(garbage)).toBe(true);

    const badJson = await openPollingChat(server.port, "polljson");
    expect((await badJson.post("42[")).status).toBe(200);
    expect(await sessionGone(badJson)).toBe(true);

    const control = await openPollingChat(server.port, "pollcontrol");
    expect((await control.post("\x00\xff\x1e\x01")).status).toBe(200);
    expect(await sessionGone(control)).toBe(true);

    // Engine.IO v4 takes no binary request bodies over long-polling.
    const binary = await openPollingChat(server.port, "pollbinary");
    const refused = await binary.post(Buffer.from([1, 2, 3, 4]), { "Content-Type": "application/octet-stream" });
    expect(refused.status).toBe(400);
    await expectEverythingStillUp();
  });

  it("a long-polling request for an unknown session gets 400 and a JSON error", async () => {
    for (const sid of ["AAAAAAAAAAAAAAAAAAAA", "not-a-session", "A".repeat(300)]) {
      const get = await rawHttp(server.port, { path: pollingPath(sid) });
      expect(get.status, `GET sid=${sid.slice(0, 30)}`).toBe(400);
      expect(get.headers["content-type"]).toBe("application/json");
      expect(JSON.parse(get.body.toString())).toEqual({ code: 1, message: "Session ID unknown" });

      const post = await rawHttp(server.port, {
        method: "POST",
        path: pollingPath(sid),
        headers: { "Content-Type": "text/plain;charset=UTF-8" },
        body: `42["message:send",{"room":"lobby","text":"${leakMark} unknown sid"}]`,
      });
      expect(post.status, `POST sid=${sid.slice(0, 30)}`).toBe(400);
      expect(JSON.parse(post.body.toString())).toEqual({ code: 1, message: "Session ID unknown" });
    }
    await expectEverythingStillUp();
  });

  it("bytes that are not HTTP get a 400 or a closed connection, never a hang", async () => {
    // `end`: the client half-closes after sending: bytes that never make a header end must not
    // keep the connection open then either.
    const garbage: { what: string; bytes: Buffer; end?: boolean }[] = [
      { what: "random bytes with a header end", bytes: Buffer.concat([Buffer.from([0, 255, 13, 7, 200]), Buffer.from("\r\n\r\n")]) },
      { what: "a line that is not a request line", bytes: Buffer.from("HELLO THERE\r\n\r\n") },
      { what: "a request line with a bad version", bytes: Buffer.from("GET / HTTP/9.9\r\n\r\n") },
      { what: "a bad Content-Length", bytes: Buffer.from(`POST ${pollingPath()} HTTP/1.1\r\nContent-Length: banana\r\n\r\nxx`) },
      { what: "garbage claiming a Content-Length", bytes: Buffer.from("\x01\x02 garbage\r\nContent-Length: 5\r\n\r\nhello") },
      { what: "a TLS ClientHello, then the client half-closes", bytes: Buffer.from("16030100a5010000a10303", "hex"), end: true },
      { what: "binary garbage without a header end, then the client half-closes", bytes: Buffer.from([0, 1, 2, 3, 255, 254]), end: true },
    ];
    for (const { what, bytes, end = false } of garbage) {
      const outcome = await tcpExchange(server.port, [bytes], { waitMs: 10_000, end });
      const text = outcome.received.toString("latin1");
      expect(outcome.closedByServer, `${what}: still open after 10 s`).toBe(true);
      if (text !== "") expect(text, what).toMatch(/^HTTP\/1\.1 400 /);
      expectSameProcesses();
    }
    await expectEverythingStillUp();
  }, 120_000);

  it("a header that never ends is cut off past 16 kB; a long header that does end is served", async () => {
    const start = `GET ${pollingPath()} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: `;
    const kilobyte = Buffer.from("a".repeat(1024));

    // 15 kB in 1 kB pieces: still open, since the header may yet end.
    const stillOpen = await tcpExchange(server.port, [Buffer.from(start), ...Array.from({ length: 14 }, () => kilobyte)], {
      gapMs: 20,
      waitMs: 1_000,
    });
    expect(stillOpen.closedByServer).toBe(false);

    // 20 kB in 1 kB pieces without \r\n\r\n: the primary destroys the connection, without a word.
    const endless = await tcpExchange(server.port, [Buffer.from(start), ...Array.from({ length: 20 }, () => kilobyte)], {
      gapMs: 20,
      waitMs: 10_000,
    });
    expect(endless.closedByServer).toBe(true);
    expect(endless.received.length).toBe(0);

    // A header of 12 kB that ends is a normal request.
    const long = await tcpExchange(
      server.port,
      [Buffer.from(start), ...Array.from({ length: 12 }, () => kilobyte), Buffer.from("\r\n\r\n")],
      { gapMs: 20, waitMs: 10_000 },
    );
    expect(long.received.toString("latin1")).toMatch(/^HTTP\/1\.1 200 [\s\S]*"sid":"/);
    await expectEverythingStillUp();
  }, 60_000);

  it("a WebSocket client that stops reading does not hold up a fan-out to the others", async () => {
    const room = `slow-${Date.now()}`;
    const slow = await rawChat("slowpoke");
    const [joinAck] = await slow.request("room:join", [{ room }]);
    expect(joinAck).toMatchObject({ ok: true });
    const reader = await connectClient(server.url, "reader");
    const sender = await connectClient(server.url, "bulk");
    clients.push(reader, sender);
    for (const client of [reader, sender]) {
      expect(await client.timeout(10_000).emitWithAck("room:join", { room })).toMatchObject({ ok: true });
    }
    const atReader = inbox(reader);
    slow.answerPings = false;
    slow.ws.pause();

    // ~5 MB to one client that reads nothing: far more than the kernel's socket buffers hold.
    const lines = Array.from({ length: 2500 }, (_, i) => `${String(i).padStart(5, "0")} ${"z".repeat(2000 - 6)}`);
    const rssBefore = [...workerStart.keys()].map(rssOf);
    const started = Date.now();
    const acks = await Promise.all(lines.map((text) => sender.timeout(30_000).emitWithAck("message:send", { room, text })));
    expect(acks.filter((ack) => !ack.ok)).toEqual([]);
    await atReader.waitForText(lines.at(-1) ?? "", 60_000);
    expect(atReader.messages.filter((message) => message.room === room).map((message) => message.text)).toEqual(lines);
    const fanOutMs = Date.now() - started;
    const rssPeak = [...workerStart.keys()].map(rssOf);
    await expectEverythingStillUp();

    // Reading again, the slow client gets what it was sent in order, without gaps or
    // duplicates, unless the server chose to drop it (then a prefix).
    slow.ws.resume();
    const texts = () =>
      (slow.events("message:new") as { room?: unknown; text?: unknown }[])
        .filter((message) => message.room === room)
        .map((message) => message.text);
    for (let waited = 0; waited < 30_000 && texts().length < lines.length && !slow.ws.isClosed; waited += 200) await sleep(200);
    const got = texts();
    expect(got).toEqual(lines.slice(0, got.length));
    if (!slow.ws.isClosed) expect(got).toHaveLength(lines.length);
    console.info(
      `slow reader: fan-out of ${lines.length} lines took ${fanOutMs} ms; worker RSS before/peak (MB): ` +
        rssBefore.map((rss, i) => `${Math.round(rss / 2 ** 20)}/${Math.round((rssPeak[i] ?? 0) / 2 ** 20)}`).join(", ") +
        `; slow reader got ${got.length}, closed: ${slow.ws.isClosed}`,
    );
    await expectEverythingStillUp();
  }, 120_000);

  // Near the end: its abandoned sessions live on (until Engine.IO's ping timeout, 45 s) and
  // skew the primary's least-connection balancing until then.
  it("a flood of 500 handshakes opened at once and abandoned", async () => {
    const request = Buffer.from(`GET ${pollingPath()} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`);
    const rssBefore = [...workerStart.keys()].map(rssOf);
    // Half wait for the open packet, half hang up as soon as the request is written.
    const [answered] = await Promise.all([
      simultaneousRequests(server.port, request, 250),
      Promise.all(Array.from({ length: 250 }, () => tcpExchange(server.port, [request], { waitMs: 0 }))),
    ]);
    const sids = answered.map((received) => {
      const text = received.toString("utf8");
      expect(text).toMatch(/^HTTP\/1\.1 200 /);
      return /"sid":"([^"]+)"/.exec(text)?.[1];
    });
    expect(new Set(sids).size).toBe(250);
    expect(sids).not.toContain(undefined);
    await expectEverythingStillUp({ anyWorkers: true });
    // 500 sessions are small: a generous bound, not a measure.
    const rssAfter = [...workerStart.keys()].map(rssOf);
    rssAfter.forEach((rss, i) => expect(rss - (rssBefore[i] ?? 0)).toBeLessThan(200 * 1024 * 1024));
  }, 90_000);

  // Last, so that the wait overlaps the other tests: the connections were opened in beforeAll.
  it("connections that stall before their header ends are answered 408 and closed, as Node's own server closes them (headersTimeout)", async () => {
    const [partial, silent] = await Promise.all([stalled.partial, stalled.silent]);
    const waited = Date.now() - stalled.openedAt;
    expect(partial.closedByServer, `a partial header was still open after ${waited} ms`).toBe(true);
    expect(silent.closedByServer, `a connection that sent nothing was still open after ${waited} ms`).toBe(true);
    expect(partial.received.toString("latin1")).toMatch(/^HTTP\/1\.1 408 /);
    expect(silent.received.toString("latin1")).toMatch(/^HTTP\/1\.1 408 /);
    expectSameProcesses();
  }, stallLimitMs + 30_000);
});
