import { writeFileSync } from "node:fs";
import {
  clusterWorkers,
  killRef,
  spawnCli,
  startServer,
  stopAllClis,
  type CliProcess,
  type RunningServer,
} from "@chat/test-kit";
import { createChatClient } from "@chat/client-core";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, openApp, shownTexts, signIn, type Person } from "./support/browser.ts";

const uniqueRoom = (label: string) => `${label}-${Math.random().toString(36).slice(2, 7)}`;

/** The connection id the page shows once connected (the server logs it with its worker). */
const socketIdOf = async (person: Person): Promise<string> => {
  const status = person.page.getByRole("status");
  await status.filter({ hasText: "Connected as" }).waitFor();
  return (await status.getAttribute("data-socket-id")) ?? "";
};

/**
 * Two people in browsers on different workers of one server, a third in the terminal, in
 * the same rooms. One server and one browser for the whole file; each person a context.
 */
describe("the web app in Chromium, against a server of two workers", () => {
  let server: RunningServer;
  let browser: Browser;
  let ann: Person;
  let bob: Person;
  let carl: CliProcess;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer({ workers: 2 }), launchBrowser()]);
    ann = await openApp(browser, server.url);
    await signIn(ann, "ann");
    const annWorker = await server.workerOf(await socketIdOf(ann));
    // The primary spreads connections over the workers: a few tries put bob on the other one.
    for (let attempt = 0; ; attempt++) {
      bob = await openApp(browser, server.url);
      await signIn(bob, "bob");
      if ((await server.workerOf(await socketIdOf(bob))) !== annWorker) break;
      if (attempt === 10) throw new Error("ten sign-ins in a row landed on ann's worker");
      await bob.context.close();
    }
    carl = spawnCli(["carl", "--url", server.url]);
    await carl.waitForLine(/^connected, id: /);
  }, 120_000);
  afterAll(async () => {
    await stopAllClis();
    await browser?.close();
    await server?.stop();
  });

  it("shows the sign-in with a Name box and a Join button, then the chat's regions by their names", async () => {
    const visitor = await openApp(browser, server.url);
    await expect(visitor.page.getByRole("textbox", { name: "Name" }).isVisible()).resolves.toBe(true);
    await expect(visitor.page.getByRole("button", { name: "Join" }).isVisible()).resolves.toBe(true);
    await visitor.context.close();
    const { page } = ann;
    expect(await page.getByRole("list", { name: "Rooms" }).getByRole("button", { name: /#lobby/ }).count()).toBe(1);
    await page.getByRole("list", { name: "Online" }).getByText("bob").waitFor();
    expect(await page.getByRole("log").getAttribute("aria-label")).toBe("Messages in #lobby");
    expect(await page.getByRole("textbox", { name: "Message" }).evaluate((box) => box === document.activeElement)).toBe(true);
  });

  it("carries lines between two browsers on different workers and a terminal, each once, with sender and time", async () => {
    await ann.page.getByRole("textbox", { name: "Message" }).fill("hello from ann's browser");
    await ann.page.getByRole("textbox", { name: "Message" }).press("Enter");
    await bob.page.getByRole("log").getByText("hello from ann's browser").waitFor();
    await carl.waitForLine("hello from ann's browser from ann");
    carl.send("hello from the terminal");
    await ann.page.getByRole("log").getByText("hello from the terminal").waitFor();
    await bob.page.getByRole("log").getByText("hello from the terminal").waitFor();
    await bob.page.getByRole("textbox", { name: "Message" }).fill("and from bob");
    await bob.page.keyboard.press("Enter");
    await ann.page.getByRole("log").getByText("and from bob").waitFor();
    await carl.waitForLine("and from bob from bob");

    const lines = ["hello from ann's browser", "hello from the terminal", "and from bob"];
    for (const person of [ann, bob]) expect((await shownTexts(person.page)).filter((text) => lines.includes(text))).toEqual(lines);
    const line = ann.page.getByRole("log").locator(".message").filter({ hasText: "hello from the terminal" });
    expect(await line.locator(".from").textContent()).toBe("carl");
    expect(await line.locator("time").getAttribute("datetime")).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("shows who is online and who is typing", async () => {
    const online = ann.page.getByRole("list", { name: "Online" });
    for (const name of ["bob", "carl"]) await online.getByText(name).waitFor();
    await bob.page.getByRole("textbox", { name: "Message" }).pressSequentially("typing…");
    await ann.page.getByText("bob is typing…").waitFor();
    await bob.page.getByRole("textbox", { name: "Message" }).fill("");
  });

  it("shows a message of HTML and script as its text, and runs none of it", async () => {
    const hostile = "<img src=x onerror=alert(1)><script>alert(2)</script>";
    carl.send(hostile);
    for (const person of [ann, bob]) {
      await person.page.getByRole("log").getByText(hostile, { exact: true }).waitFor();
      expect(await person.page.getByRole("log").locator("img, script").count()).toBe(0);
    }
    // Long enough for an image's error handler to have run, had the text become HTML.
    await ann.page.waitForTimeout(500);
    expect([...ann.dialogs, ...bob.dialogs]).toEqual([]);
  });

  it("joins a room with its recent history, loads older lines on scrolling up, and counts unread ones", async () => {
    const room = uniqueRoom("history");
    const writer = createChatClient({ url: server.url, name: "writer", rooms: [room] });
    try {
      await new Promise<void>((resolve) => writer.on("change", () => writer.usersIn(room).length > 0 && resolve()));
      const texts = Array.from({ length: 30 }, (_, i) => `old line ${i + 1}`);
      for (const text of texts) await writer.say(room, text);

      const { page } = ann;
      await page.getByRole("textbox", { name: "Room to join" }).fill(room);
      await page.getByRole("button", { name: "Join room" }).click();
      await page.getByRole("log").getByText("old line 30").waitFor();
      expect(await shownTexts(page)).toEqual(texts.slice(-10));

      await page.getByRole("log").hover();
      // The last full page may leave the button until one more asks and finds nothing older.
      const olderButton = page.getByRole("button", { name: "Load older messages" });
      for (let scrolls = 0; ((await shownTexts(page)).length < 30 || (await olderButton.isVisible())) && scrolls < 40; scrolls++) {
        await page.mouse.wheel(0, -600);
        await page.waitForTimeout(200);
      }
      expect(await shownTexts(page)).toEqual(texts);
      expect(await olderButton.isVisible()).toBe(false);

      // Back in the lobby, the room's new lines are counted, and read once the room is open again.
      await page.getByRole("list", { name: "Rooms" }).getByRole("button", { name: /#lobby/ }).click();
      await writer.say(room, "news 1");
      await writer.say(room, "news 2");
      const roomButton = page.getByRole("list", { name: "Rooms" }).getByRole("button", { name: new RegExp(`#${room}`) });
      await roomButton.filter({ hasText: "2 unread" }).waitFor();
      await roomButton.click();
      await page.getByRole("log").getByText("news 2").waitFor();
      expect(await roomButton.textContent()).toBe(`#${room}`);
      await page.getByRole("button", { name: `Leave ${room}` }).click();
      await page.getByRole("log", { name: "Messages in #lobby" }).waitFor();
    } finally {
      writer.close();
    }
  });

  it("sends a direct message from the Online list to that person alone", async () => {
    await ann.page.getByRole("list", { name: "Online" }).getByRole("button", { name: "bob" }).click();
    const box = ann.page.getByRole("textbox", { name: "Message" });
    await box.fill("just between us");
    await box.press("Enter");
    await ann.page.getByRole("log", { name: "Messages in @bob" }).getByText("just between us").waitFor();
    const fromAnn = bob.page.getByRole("list", { name: "Direct messages" }).getByRole("button", { name: /@ann/ });
    await fromAnn.filter({ hasText: "1 unread" }).waitFor();
    await fromAnn.click();
    await bob.page.getByRole("log", { name: "Messages in @ann" }).getByText("just between us").waitFor();
    await carl.waitForLine("(dm) just between us from ann", { timeoutMs: 2_000 }).then(
      () => expect.fail("the terminal user got a direct message meant for bob"),
      () => undefined,
    );
    for (const person of [ann, bob]) await person.page.getByRole("list", { name: "Rooms" }).getByRole("button", { name: /#lobby/ }).click();
  });

  it("marks a line the server would not take as not sent, with the reason", async () => {
    const ghost = createChatClient({ url: server.url, name: "ghost" });
    await new Promise<void>((resolve) => ghost.on("change", () => ghost.connection.status === "connected" && resolve()));
    await ghost.sendDirect("ann", "boo");
    ghost.close();
    const { page } = ann;
    await page.getByRole("list", { name: "Direct messages" }).getByRole("button", { name: /@ghost/ }).click();
    await page.getByRole("log").getByText("boo").waitFor();
    await page.getByRole("textbox", { name: "Message" }).fill("are you there?");
    await page.getByRole("textbox", { name: "Message" }).press("Enter");
    const failed = page.getByRole("log").locator(".message.failed").filter({ hasText: "are you there?" });
    await failed.waitFor();
    expect(await failed.locator(".status").textContent()).toBe("not sent: user ghost is not online");
    await page.getByRole("list", { name: "Rooms" }).getByRole("button", { name: /#lobby/ }).click();
  });

  it("says it is reconnecting when its worker is killed, then shows every missed line once, in order", async () => {
    const bobWorker = await server.workerOf(await socketIdOf(bob));
    const worker = clusterWorkers(server.child.pid ?? 0).get(bobWorker);
    if (worker === undefined) throw new Error(`no worker ${bobWorker}`);
    // Every state the page shows, recorded in the page: a short one is not missed between two looks.
    await bob.page.getByRole("status").evaluate((status) => {
      const seen: string[] = [];
      (window as unknown as { states: string[] }).states = seen;
      new MutationObserver(() => seen.push(status.textContent ?? "")).observe(status, { childList: true, characterData: true, subtree: true });
    });
    const missed = Array.from({ length: 8 }, (_, i) => `while bob was away ${i + 1}`);
    killRef(worker);
    const writer = createChatClient({ url: server.url, name: "writer" });
    try {
      for (const text of missed) await writer.say("lobby", text);
    } finally {
      writer.close();
    }
    await bob.page.getByRole("log").getByText(missed.at(-1) as string).waitFor({ timeout: 40_000 });
    await bob.page.getByRole("status").filter({ hasText: "Connected as bob" }).waitFor();
    const states = await bob.page.evaluate(() => (window as unknown as { states: string[] }).states);
    expect(states).toContain("Reconnecting…");
    const shown = (await shownTexts(bob.page)).filter((text) => text.startsWith("while bob was away"));
    expect(shown).toEqual(missed);
  });

  it("keeps one's own line pending until the server has it, and works at a phone's width by keyboard alone", async () => {
    const phone = await openApp(browser, server.url, { width: 390, height: 760 });
    try {
      const { page } = phone;
      // The name box has the focus: typing and Enter sign in, with no pointer.
      await page.keyboard.type("dee");
      await page.keyboard.press("Enter");
      await page.getByRole("status").filter({ hasText: "Connected as dee" }).waitFor({ timeout: 30_000 });
      // Every look of the line, recorded in the page: the pending one is short.
      await page.getByRole("log").evaluate((log) => {
        const looks: string[] = [];
        (window as unknown as { looks: string[] }).looks = looks;
        new MutationObserver(() => {
          for (const line of log.querySelectorAll(".message")) looks.push(`${line.className}: ${line.querySelector(".text")?.textContent}`);
        }).observe(log, { childList: true, subtree: true });
      });
      await page.keyboard.type("from a small screen");
      await page.keyboard.press("Enter");
      await page.getByRole("log").locator(".message:not(.pending)").getByText("from a small screen").waitFor();
      await ann.page.getByRole("log").getByText("from a small screen").waitFor();
      const looks = await page.evaluate(() => (window as unknown as { looks: string[] }).looks);
      expect(looks).toContain("message own pending: from a small screen");
      const width = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      expect(width[0]).toBeLessThanOrEqual(width[1] as number);
      for (const role of [page.getByRole("log"), page.getByRole("textbox", { name: "Message" }), page.getByRole("list", { name: "Rooms" })]) {
        expect(await role.isVisible()).toBe(true);
      }
    } finally {
      await phone.context.close();
    }
  });

  it("takes a picture of two windows chatting (CHAT_WEB_SCREENSHOT=<file>)", async () => {
    const file = process.env.CHAT_WEB_SCREENSHOT;
    if (file === undefined) return;
    const conversation: [Person, string][] = [
      [ann, "Morning bob! Did you see the new build?"],
      [bob, "Yes, the browser client is live on the staging cluster."],
      [ann, "Shall we meet at 3 to go through it?"],
    ];
    for (const [person, text] of conversation) {
      await person.page.getByRole("textbox", { name: "Message" }).fill(text);
      await person.page.getByRole("textbox", { name: "Message" }).press("Enter");
      for (const reader of [ann, bob]) await reader.page.getByRole("log").getByText(text).waitFor();
    }
    await bob.page.getByRole("textbox", { name: "Message" }).pressSequentially("Sounds good");
    await ann.page.getByText("bob is typing…").waitFor();
    const shots = await Promise.all([ann.page.screenshot(), bob.page.screenshot()]);
    const sheet = await browser.newPage({ viewport: { width: 2240, height: 740 } });
    await sheet.setContent(
      `<body style="margin:0;background:#888;display:flex;gap:20px;padding:10px">${shots
        .map((shot) => `<img src="data:image/png;base64,${shot.toString("base64")}" width="1100">`)
        .join("")}</body>`,
    );
    writeFileSync(file, await sheet.screenshot());
    await sheet.close();
  });
});
