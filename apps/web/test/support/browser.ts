import { execFileSync } from "node:child_process";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

/** Debian's Chromium (CHROMIUM_PATH if set): the tests drive a browser the system installed, not one downloaded. */
export function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("no chromium on PATH: apt-get install -y chromium (or set CHROMIUM_PATH)");
  }
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

export interface Person {
  context: BrowserContext;
  page: Page;
  /** Every `alert`, `confirm` or `prompt` the page opened: a message run as code would show here. */
  dialogs: string[];
}

/** A person with a browser window of their own (cookies and storage apart from the others'), on the app at `url`. */
export async function openApp(browser: Browser, url: string, viewport = { width: 1100, height: 720 }): Promise<Person> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(url);
  return { context, page, dialogs };
}

/** Signs in through the form, as a person would, and waits for the chat to say it is connected. */
export async function signIn(person: Person, name: string, token?: string): Promise<void> {
  const { page } = person;
  await page.getByRole("textbox", { name: "Name" }).fill(name);
  if (token !== undefined) await page.getByRole("textbox", { name: "Token" }).fill(token);
  await page.getByRole("button", { name: "Join" }).click();
  await page.getByRole("status").filter({ hasText: `Connected as ${name}` }).waitFor({ timeout: 30_000 });
}

/** The texts of the messages shown in the conversation in view, top to bottom. */
export const shownTexts = (page: Page): Promise<string[]> => page.getByRole("log").locator(".message .text").allTextContents();
