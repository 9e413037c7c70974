import { afterAll, it, expect } from "vitest";
import type { TestClient } from "./support/index.ts";
import { record } from "./support/recorder.ts";
import { ok, say } from "./support/requests.ts";
import { startTopology, unique, type Topology } from "./support/topology.ts";
import { upgradedToWebSocket } from "./support/wire.ts";

let topology: Topology | undefined;
afterAll(async () => { await topology?.close(); }, 60_000);

it("probe", async () => {
  const top = await startTopology({ SEND_RATE_PER_CONNECTION: "1000", SEND_RATE_PER_USER: "1000" });
  topology = top;
  const opts = process.env.WSONLY ? { transports: ["websocket"] } : {};
  const a = await top.connect("A", "one:1", opts);
  const b = await top.connect("B", "one:2", opts);
  const c = await top.connect("C", "two:1", opts);
  for (const x of [a, b, c]) await upgradedToWebSocket(x);
  const ra = record(a), rc = record(c), rb = record(b);
  let dropsA = 0, dropsC = 0;
  for (let i = 0; i < 40; i++) {
    const room = unique("r");
    for (const x of [a, b, c]) await ok(x, "room:join", { room });
    if (process.env.BARRIER) { const t = unique("pre"); await say(c, "lobby", t); await ra.next("message:new", (m) => m.text === t); await rb.next("message:new", (m) => m.text === t); }
    if (process.env.PAUSE) await new Promise((r) => setTimeout(r, Number(process.env.PAUSE)));
    await ok(b, "typing:start", { room });
    const room2 = unique("s");
    const text = unique("bar");
    await say(b, "lobby", text);
    await ra.next("message:new", (m) => m.text === text);
    await rc.next("message:new", (m) => m.text === text);
    if (!ra.of("typing:started").some((n) => n.room === room)) dropsA++;
    if (!rc.of("typing:started").some((n) => n.room === room)) dropsC++;
    void room2;
  }
  console.info("DROPS", dropsA, dropsC, a.io.engine.transport.name, c.io.engine.transport.name);
  expect(true).toBe(true);
}, 300_000);
