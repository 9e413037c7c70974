import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { sleep } from "@chat/test-kit";

/** An HTTP answer, read whole. */
export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** `GET url` (or another method), with a bound so that a hanging server fails the test. */
export async function httpGet(url: string, method = "GET", timeoutMs = 10_000): Promise<HttpAnswer> {
  const response = await fetch(url, { method, signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, contentType: response.headers.get("content-type") ?? "", body: await response.text() };
}

const runFile = promisify(execFile);

/** `GET url` from inside a network namespace (its `ip netns exec` wrapper), with a Node of the same version. */
export async function httpGetIn(wrapper: string[], url: string): Promise<HttpAnswer> {
  const script =
    "fetch(process.argv[1], { signal: AbortSignal.timeout(10000) }).then(async (r) => " +
    'process.stdout.write(JSON.stringify({ status: r.status, contentType: r.headers.get("content-type") ?? "", body: await r.text() })))';
  const command = [...wrapper, process.execPath, "-e", script, url];
  const { stdout } = await runFile(command[0] as string, command.slice(1), { timeout: 15_000 });
  return JSON.parse(stdout) as HttpAnswer;
}

/** The samples of a Prometheus text exposition: `name{labels}` as printed, to its value. */
export function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** Polls `read` until `done` holds for its value, then returns that value; after `timeoutMs`, the last one. */
export async function settle<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(100);
  }
}
