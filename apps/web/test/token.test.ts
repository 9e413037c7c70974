import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fromSource, serverMain, startServer, type RunningServer } from "@chat/test-kit";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, openApp, signIn } from "./support/browser.ts";

const secret = "web-token-test-secret-0123456789abcdef";
const run = promisify(execFile);

describe("the web app against a server with AUTH_MODE=token", () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([
      startServer({ workers: 1, env: { AUTH_MODE: "token", AUTH_SECRET: secret } }),
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

  it("signs in with the token the operator issued", async () => {
    const { stdout } = await run(process.execPath, fromSource(serverMain, "token", "tess", "--ttl", "600"), {
      env: { ...process.env, AUTH_SECRET: secret },
    });
    const person = await openApp(browser, server.url);
    await signIn(person, "tess", stdout.trim());
    await person.page.getByRole("textbox", { name: "Message" }).fill("signed in by token");
    await person.page.getByRole("textbox", { name: "Message" }).press("Enter");
    await person.page.getByRole("log").locator(".message:not(.pending)").getByText("signed in by token").waitFor();
    await person.context.close();
  });
});
