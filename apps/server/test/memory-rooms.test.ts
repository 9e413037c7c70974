import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, spawnCli, startServer, type CliProcess, type RunningServer, sourceCommand } from "@chat/test-kit";
import { createNetworkNamespace, type NetworkNamespace } from "./support/network-namespace.ts";

const escape = (text: string) => text.replace(/[-\\^$*+?.()|[\]{}]/g, "\\$&");
const line = (text: string) => new RegExp(`^${escape(text)}$`);

/**
 * The single process without Redis keeps the same rules with its memory stores: private
 * rooms, the daily room allowance and the age limit of history. Run where no Redis answers
 * (a network namespace), with terminal clients inside it.
 */
describe("one process without Redis: private rooms, the room allowance and history's age limit", () => {
  let ns: NetworkNamespace;
  let server: RunningServer;
  const clis: CliProcess[] = [];
  let ann: CliProcess;
  let bob: CliProcess;

  beforeAll(async () => {
    ns = createNetworkNamespace();
    server = await startServer({
      workers: 1,
      wrapper: ns.wrapper,
      env: { REDIS_URL: undefined, MAX_ROOMS_PER_USER_PER_DAY: "2", HISTORY_MAX_AGE_SECONDS: "2" },
    });
    expect(server.lines.join("\n")).toMatch(/NOT SCALED OUT/);
    // Each client compiles its sources as it starts: slow on a busy machine. Ann first, so
    // that she is there to see Bob arrive.
    ann = spawnCli(["Ann", "--url", server.url], {}, [...ns.wrapper, ...sourceCommand]);
    clis.push(ann);
    await ann.waitForLine(/^connected, id: /, { timeoutMs: 90_000 });
    bob = spawnCli(["Bob", "--url", server.url], {}, [...ns.wrapper, ...sourceCommand]);
    clis.push(bob);
    await ann.waitForLine(/^\* Bob joined lobby$/, { timeoutMs: 90_000 });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(clis.map((cli) => cli.stop()));
    await server?.stop("SIGKILL");
    ns?.dispose();
  });

  it("a private room admits the users its members invite, until they leave", async () => {
    ann.send("/create hush --private");
    await ann.waitForLine(line("* created private room hush; lines now go to hush"));
    ann.send("whispered");
    bob.send("/join hush");
    await bob.waitForError(line("error: not_invited: could not join hush: room hush is private; a member must invite you (/invite)"));
    bob.send("/who hush");
    await bob.waitForError(line("error: forbidden: join room hush to see who is in it"));
    ann.send("/invite Bob");
    await ann.waitForLine(line("* invited Bob to hush"));
    bob.send("/join hush");
    await bob.waitForLine(line("* joined hush; lines now go to hush"));
    await bob.waitForLine(line("whispered from Ann"));
    bob.send("/leave hush");
    await bob.waitForLine(line("* left hush; current room: lobby"));
    bob.send("/join hush");
    // The same refusal as before the invitation, a second time: waitForLine would find the first.
    const refusals = () => bob.stderr.filter((text) => text.startsWith("error: not_invited: could not join hush"));
    for (let tries = 0; refusals().length < 2 && tries < 100; tries++) await sleep(100);
    expect(refusals()).toHaveLength(2);
  });

  it("Ann's second new room is her last today (hush was the first); joining an existing room costs nothing", async () => {
    ann.send("/join second");
    await ann.waitForLine(line("* joined second; lines now go to second"));
    ann.send("/join third");
    await ann.waitForError(line("error: room_quota_exceeded: could not join third: you have created as many rooms today as allowed; third was not created"));
    ann.send("/join lobby");
    await ann.waitForLine(line("* joined lobby; lines now go to lobby"));
  });

  it("a line older than HISTORY_MAX_AGE_SECONDS is not shown to a joiner; a newer one is", async () => {
    ann.send("/room second");
    await ann.waitForLine(line("* lines now go to second"));
    ann.send("aged line");
    await sleep(2500);
    ann.send("recent line");
    await sleep(300);
    bob.send("/join second");
    await bob.waitForLine(line("* joined second; lines now go to second"));
    await bob.waitForLine(line("recent line from Ann"));
    expect(bob.stdout).not.toContain("aged line from Ann");
  });
});
