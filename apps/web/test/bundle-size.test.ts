import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initialJsReport, type InitialJs } from "../vite.config.ts";
import { appDir } from "./support/build-app.ts";

/** The most initial JavaScript the app may load, gzipped: a phone on a slow network starts in a second or two. */
const budgetBytes = 60 * 1024;

describe("the built app (built by the test run's setup)", () => {
  const dist = join(appDir, "dist");
  const report = JSON.parse(readFileSync(join(dist, initialJsReport), "utf8")) as InitialJs;

  it(`loads at most ${budgetBytes / 1024} KB of JavaScript, gzipped, before it starts`, () => {
    console.log(`initial JavaScript: ${report.gzipBytes} bytes gzipped (${report.bytes} bytes) in ${report.files.join(", ")}`);
    expect(report.gzipBytes).toBeGreaterThan(0);
    expect(report.gzipBytes).toBeLessThanOrEqual(budgetBytes);
  });

  it("measured what index.html loads: its scripts and their preloads, and nothing else", () => {
    const html = readFileSync(join(dist, "index.html"), "utf8");
    const loaded = [...html.matchAll(/<(?:script[^>]*\bsrc|link[^>]*rel="modulepreload"[^>]*\bhref)="\/([^"]+\.js)"/g)].map((match) => match[1]);
    expect(loaded.sort()).toEqual([...report.files].sort());
  });

  it("carries none of zod's locales (the namespace import leaves them out)", () => {
    const code = report.files.map((file) => readFileSync(join(dist, file), "utf8")).join("\n");
    // Messages of locales other than English: one of them is enough to know they came along.
    expect(code).not.toMatch(/Ungültige Eingabe|Entrada inválida/);
  });
});
