import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectClient,
  quickPresenceEnv,
  sleep,
  startRedisServer,
  startServer,
  within,
  type RedisServer,
  type RunningServer,
  type TestClient,
} from "@chat/test-kit";
import { httpGet, settle } from "./support/ops.ts";
import { ok, refused, request } from "./support/requests.ts";
import { unique } from "./support/topology.ts";

/**
 * Redis that has gone away, and Redis that hangs (the process stopped: connections open,
 * nothing answered). Either way, every request that needs Redis is answered `unavailable`
 * within a few seconds, never left waiting for Redis to come back and never given a wrong
 * answer (a user "not online" because presence could not be read); `/readyz` says 503.
 * Once Redis is back, the same requests succeed. A server of one worker on a Redis of the
 * test's own, which the test stops, restarts, SIGSTOPs and SIGCONTs; its presence refreshed
 * every second (`quickPresenceEnv`), so that presence is whole again soon after Redis is back.
 */
describe("Redis down or hung: requests that need it answer unavailable promptly", () => {
  let redis: RedisServer;
  let server: RunningServer;
  let alice: TestClient;
  let bob: TestClient;
  const room = unique("trouble");
  /** The most a troubled request may take to be answered: the setting's default, and room for a busy machine. */
  const answerBoundMs = 12_000;

  beforeAll(async () => {
    redis = await startRedisServer();
    server = await startServer({ workers: 1, env: { REDIS_URL: redis.url, ...quickPresenceEnv } });
    alice = await connectClient(server.url, "alice");
    bob = await connectClient(server.url, "bob");
    for (const client of [alice, bob]) await ok(client, "room:join", { room });
    await ok(alice, "message:send", { room, text: "before the trouble" });
  }, 120_000);
  afterAll(async () => {
    redis?.resume();
    for (const client of [alice, bob]) client?.close();
    await server?.stop();
    await redis?.dispose();
  }, 30_000);

  /** Every request that needs Redis, each answered `unavailable` within the bound; `/readyz` 503. */
  const expectUnavailable = async (state: string) => {
    const started = Date.now();
    const errors = await within(
      Promise.all([
        refused(alice, "dm:send", { to: "bob", text: "are you there?" }),
        refused(alice, "dm:send", { to: "bob", text: "are you there?", clientId: unique("dm-trouble") }),
        refused(alice, "presence:who", { room }),
        refused(alice, "history:fetch", { room }),
        refused(alice, "room:join", { room, after: "0-0" }),
        refused(alice, "room:join", { room: unique("new-room") }),
        refused(alice, "message:send", { room, text: "into the void" }),
        refused(alice, "dm:fetch", {}),
      ]),
      answerBoundMs,
      `requests while Redis is ${state}`,
    );
    const answeredMs = Date.now() - started;
    expect(errors.map((error) => error.code)).toEqual(Array(errors.length).fill("unavailable"));
    const ready = await within(httpGet(`${server.url}/readyz`), answerBoundMs, `/readyz while Redis is ${state}`);
    expect(ready.status).toBe(503);
    // The operations port hears it from the worker's next report.
    const detailed = await settle(() => httpGet(`${server.opsUrl}/readyz`), (answer) => answer.status === 503, answerBoundMs);
    expect(detailed.status).toBe(503);
    expect((JSON.parse(detailed.body) as { reason: string }).reason).toMatch(
      state === "hung" ? /Redis did not answer PING|not ready/ : /Redis (publisher|subscriber) is not ready/,
    );
    console.info(`Redis ${state}: every request answered unavailable within ${answeredMs} ms; /readyz: ${ready.body}; operations /readyz: ${detailed.body}`);
  };

  /**
   * Once Redis is back: ready again, and each request succeeds. Presence forgotten by a
   * restarted Redis comes back with each process's next refresh; until then a DM to bob and
   * the room's list are `unavailable`, never "bob is not online" nor a list without him.
   */
  const expectRecovered = async () => {
    expect((await settle(() => httpGet(`${server.url}/readyz`), (answer) => answer.status === 200, 30_000)).status).toBe(200);
    expect((await settle(() => httpGet(`${server.opsUrl}/readyz`), (answer) => answer.status === 200, 30_000)).status).toBe(200);
    const answers: string[] = [];
    for (let waited = 0; waited < 30_000; waited += 250) {
      const [sent, who] = await Promise.all([
        request(alice, "dm:send", { to: "bob", text: unique("back") }),
        request(alice, "presence:who", { room }),
      ]);
      answers.push(`${sent.ok ? "sent" : sent.error.code}/${who.ok ? who.data.users.join("+") : who.error.code}`);
      if (sent.ok && who.ok) break;
      await sleep(250);
    }
    expect(answers.at(-1)).toBe("sent/alice+bob");
    // Before that, only `unavailable`: no wrong answer on the way back.
    for (const answer of answers.slice(0, -1)) expect(answer).toMatch(/^(sent|unavailable)\/(alice\+bob|unavailable)$/);
    await ok(alice, "message:send", { room, text: unique("back") });
    await ok(alice, "history:fetch", { room });
  };

  it("Redis hung (SIGSTOP): unavailable within a few seconds, /readyz 503; all well after SIGCONT", async () => {
    redis.hang();
    try {
      await expectUnavailable("hung");
    } finally {
      redis.resume();
    }
    await expectRecovered();
  }, 90_000);

  it("Redis down: unavailable promptly (no waiting for Redis to return, no 'not online'), /readyz 503; all well once it is back", async () => {
    await redis.shutdown();
    try {
      await expectUnavailable("down");
    } finally {
      await redis.start();
    }
    await expectRecovered();
  }, 90_000);
});
