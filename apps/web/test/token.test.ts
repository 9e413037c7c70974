import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fromSource, serverMain, startServer, type RunningServer } from "@chat/test-kit";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, openApp, shownTexts, signIn } from "./support/browser.ts";

const secret = "web-token-test-secret-0123456789abcdef";
const run = promisify(execFile);

describe("the web app against a server with AUTH_MODE=token and a send limit of one a second", () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startServer({
        workers: 1,
        env: { AUTH_MODE: "token", AUTH_SECRET: secret, SEND_RATE_PER_CONNECTION: "1", SEND_RATE_PER_USER: "1" },
      }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("refuses a sign-in without a good token, saying why in words, and keeps the form", async () => {
    const person = await openApp(browser, server.url);
    const { page } = person;
    await page.getByRole("textbox", { name: "Name" }).fill("mallory");
    await page.getByRole("textbox", { name: "Token" }).fill("forged.token");
    await page.getByRole("button", { name: "Join" }).click();
    const alert = page.getByRole("alert").filter({ hasText: "Refused:" });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/^Refused: .*token/i);
    expect(await page.getByRole("textbox", { name: "Name" }).inputValue()).toBe("mallory");
    await person.context.close();
  });

  it("signs in with the token the operator issued, and says a rate limit with its wait while the lines wait their turn", async () => {
    const { stdout } = await run(process.execPath, fromSource(serverMain, "token", "tess", "--ttl", "600"), {
      env: { ...process.env, AUTH_SECRET: secret },
    });
    const person = await openApp(browser, server.url);
    const { page } = person;
    await signIn(person, "tess", stdout.trim());
    const lines = ["one", "two", "three", "four", "five", "six"];
    for (const line of lines) {
      await page.getByRole("textbox", { name: "Message" }).fill(line);
      await page.getByRole("textbox", { name: "Message" }).press("Enter");
    }
    const alert = page.getByRole("alert").filter({ hasText: "Too many messages" });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/^Too many messages \(sending to lobby\): waiting \d+\.\d s, then sending\.$/);
    await page.getByRole("log").locator(".message:not(.pending)").getByText("six", { exact: true }).waitFor({ timeout: 30_000 });
    expect(await shownTexts(page)).toEqual(lines);
    await person.context.close();
  });
});
