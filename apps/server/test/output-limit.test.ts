import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  childPids,
  connectClient,
  openPollingChat,
  openRawChat,
  rssOf,
  spawnCli,
  startServer,
  type CliProcess,
  type RawChat,
  type RunningServer,
  type TestClient,
} from "@chat/test-kit";
import { ok } from "./support/requests.ts";
import { unique } from "./support/topology.ts";
import { inbox, sendLine } from "./support/wire.ts";

/**
 * A client that stops reading cannot make a worker hold what it asks for without limit:
 * answers are bounded in bytes (pages of history, inbox and catch-up say there is more), and
 * a connection with more waiting to be written to it than MAX_BUFFERED_BYTES is closed, with
 * a `session:closing` notice it reads if it reads again. One worker, so that the stalled
 * client and the clients that keep talking share it; the room is full of long lines of
 * three-byte characters (about 6 kB each).
 */
describe("output waiting for a client that does not read is bounded", () => {
  let server: RunningServer;
  let worker: number;
  const room = unique("long");
  const longLine = (i: number) => `${String(i).padStart(4, "0")} ${"€".repeat(1990)}`;
  const raws: RawChat[] = [];
  const clients: TestClient[] = [];
  let cli: CliProcess | undefined;
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  /**
   * How much a worker's RSS may grow and stay grown: generous (the machine is shared), yet
   * below what fifteen unread catch-ups held before answers were bounded (about 30 MB more).
   */
  const rssSlack = 20 * 2 ** 20;
  /** After hundreds of pages answered, the heap has grown a little too. */
  const rssSlackAfterFlood = 32 * 2 ** 20;

  beforeAll(async () => {
    server = await startServer({
      workers: 1,
      // The floods below are of requests the event limits would refuse first.
      env: {
        SEND_RATE_PER_CONNECTION: "100000",
        SEND_RATE_PER_USER: "100000",
        EVENT_RATE_PER_CONNECTION: "100000",
        EVENT_RATE_PER_USER: "100000",
      },
    });
    const workers = childPids(server.child.pid ?? -1);
    expect(workers).toHaveLength(1);
    worker = workers[0] ?? -1;
    const filler = await connectClient(server.url, "filler");
    clients.push(filler);
    await ok(filler, "room:join", { room });
    const acks = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => filler.timeout(60_000).emitWithAck("message:send", { room, text: longLine(i) })),
    );
    expect(acks.filter((ack) => !ack.ok)).toEqual([]);
    filler.close();
  }, 180_000);
  afterAll(async () => {
    cli?.child.kill("SIGCONT");
    await cli?.stop();
    raws.forEach((chat) => chat.ws.destroy());
    clients.forEach((client) => client.close());
    await server?.stop();
  }, 30_000);

  /** A raw WebSocket client in the room that then stops reading (and answering pings). */
  const stalledInRoom = async (name: string): Promise<RawChat> => {
    const chat = await openRawChat(server.port, name);
    raws.push(chat);
    const [joined] = await chat.request("room:join", [{ room }]);
    expect(joined).toMatchObject({ ok: true });
    chat.answerPings = false;
    chat.ws.pause();
    return chat;
  };

  /** Two fresh clients on the (only) worker still talk to each other. */
  const expectOthersStillTalk = async () => {
    const a = await connectClient(server.url, unique("a"));
    const b = await connectClient(server.url, unique("b"));
    try {
      const atB = inbox(b);
      const text = unique("still talking");
      await sendLine(a, text);
      await atB.waitForText(text);
    } finally {
      // Gone before the last test floods the lobby, which this process could not read for all of them.
      a.close();
      b.close();
    }
  };

  let nextAckId = 1000;
  /** Sends `count` requests of `event` without waiting for (or reading) their answers. */
  const flood = (chat: RawChat, count: number, event: string, payload: unknown) => {
    for (let i = 0; i < count; i++) chat.ws.sendText(`42${nextAckId++}${JSON.stringify([event, payload])}`);
  };

  it("fifteen catch-up joins (after 0-0) from a client that reads nothing leave the worker within a few MB; others keep talking", async () => {
    // A reader that does read takes the same answers first, so that the baseline has what serving them costs anyway.
    const warm = await connectClient(server.url, "warm-up");
    await ok(warm, "room:join", { room, after: "0-0" });
    warm.close();
    await expectOthersStillTalk();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const before = rssOf(worker);
    const stalled = await stalledInRoom("stalled");
    flood(stalled, 15, "room:join", { room, after: "0-0" });
    // The worker reads the joins before it reads the probe's requests, which come later.
    await expectOthersStillTalk();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const after = rssOf(worker);
    console.info(`15 catch-up joins unread: worker RSS ${mb(before)} MB before, ${mb(after)} MB after`);
    expect(after - before).toBeLessThan(rssSlack);
  }, 60_000);

  it("a client with more than MAX_BUFFERED_BYTES unread is closed with a reason it reads if it reads again; memory returns", async () => {
    const before = rssOf(worker);
    const stalled = await stalledInRoom("hoarder");
    // Each page is at most 64 KiB of text: three hundred are far more than the kernel's buffers and the cap.
    flood(stalled, 300, "history:fetch", { room, limit: 100 });
    const line = await server.waitForLine(/backlogged/, 60_000);
    expect(line).toMatch(/hoarder/);
    stalled.ws.resume();
    expect(await stalled.ws.closedWithin(20_000)).toBe(true);
    expect(stalled.events("session:closing")).toEqual([{ code: "backlogged", message: expect.stringMatching(/bytes/) }]);
    await expectOthersStillTalk();
    // What was held for the closed client is freed as the worker's collector gets to it, which
    // on a busy machine may take a while: read again for up to 20 s before judging.
    let after = rssOf(worker);
    for (let waited = 0; waited < 20_000 && after - before >= rssSlackAfterFlood; waited += 1000) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      after = rssOf(worker);
    }
    console.info(`300 pages unread: worker RSS ${mb(before)} MB before, ${mb(after)} MB after the client was closed`);
    expect(after - before).toBeLessThan(rssSlackAfterFlood);
  }, 120_000);

  it("a long-polling client that stops polling is closed the same way, and its next poll carries the notice", async () => {
    const chat = await openPollingChat(server.port, "idle-poller");
    const requests = (count: number, event: string, payload: unknown) =>
      Array.from({ length: count }, () => `42${nextAckId++}${JSON.stringify([event, payload])}`).join("\x1e");
    expect((await chat.post(requests(1, "room:join", { room }))).status).toBe(200);
    // Without a poll, everything waits in Engine.IO's buffer: forty pages are well over the cap.
    expect((await chat.post(requests(40, "history:fetch", { room, limit: 100 }))).status).toBe(200);
    expect(await server.waitForLine(/idle-poller: backlogged/, 30_000)).toMatch(/MAX_BUFFERED_BYTES/);
    const { packets } = await chat.poll();
    const notices = packets.filter((packet) => packet.startsWith('42["session:closing"'));
    expect(notices.map((packet) => JSON.parse(packet.slice(2)) as unknown)).toEqual([
      ["session:closing", { code: "backlogged", message: expect.stringMatching(/bytes/) }],
    ]);
    await expectOthersStillTalk();
  }, 60_000);

  it("the terminal client prints why it was closed, and reconnects", async () => {
    cli = spawnCli(["sleeper", "--url", server.url]);
    await cli.waitForLine(/^connected, id: /, { timeoutMs: 30_000 });
    const pid = cli.child.pid ?? -1;
    process.kill(pid, "SIGSTOP");
    const sender = await connectClient(server.url, "shouter");
    clients.push(sender);
    const cutsBefore = server.lines.filter((line) => /backlogged/.test(line)).length;
    // About 12 MB to a client that reads nothing; in waves, so that the sender, which gets its
    // own lines back in batches, keeps reading them.
    for (let wave = 0; wave < 20; wave++) {
      const acks = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          sender.timeout(60_000).emitWithAck("message:send", { room: "lobby", text: longLine(wave * 100 + i) }),
        ),
      );
      expect(acks.filter((ack) => !ack.ok)).toEqual([]);
    }
    for (let waited = 0; waited < 30_000; waited += 200) {
      if (server.lines.filter((line) => /backlogged/.test(line)).length > cutsBefore) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    process.kill(pid, "SIGCONT");
    expect(await cli.waitForError(/^error: backlogged: /, { timeoutMs: 30_000 })).toMatch(/bytes/);
    await cli.waitForError(/^disconnected \(/, { timeoutMs: 30_000 });
    const connections = () => cli?.stdout.filter((line) => /^connected, id: /.test(line)).length ?? 0;
    for (let waited = 0; waited < 30_000 && connections() < 2; waited += 200) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(connections()).toBe(2);
  }, 180_000);
});
