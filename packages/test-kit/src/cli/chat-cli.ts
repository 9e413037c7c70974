import { spawn, type ChildProcess } from "node:child_process";
import { onLines } from "../lines.ts";
import type { Exit } from "../server/server-process.ts";
import { clientDir, clientMain, fromSource } from "../source.ts";

export interface WaitOptions {
  /** Only lines at this index of stdout or later count (default 0: every line so far). */
  from?: number;
  timeoutMs?: number;
}

export interface CliProcess {
  readonly child: ChildProcess;
  /** What the process printed on stdout, a line an entry. */
  readonly stdout: string[];
  /** What the process printed on stderr, a line an entry. */
  readonly stderr: string[];
  /** Resolves with the first stdout line (present or future) matching `pattern`; a string must match whole. */
  waitForLine(pattern: RegExp | string, options?: WaitOptions): Promise<string>;
  /** The same on stderr, where errors go. */
  waitForError(pattern: RegExp | string, options?: WaitOptions): Promise<string>;
  /** Types `line` and Enter. */
  send(line: string): void;
  /** Closes stdin: end of input. */
  end(): void;
  readonly exited: Promise<Exit>;
  /** Resolves with the exit, or rejects when the process is still running after `timeoutMs`. */
  exit(timeoutMs?: number): Promise<Exit>;
  /** SIGTERM, then SIGKILL if it is still there after two seconds; resolves once it is gone. */
  stop(): Promise<Exit>;
}

const running = new Set<CliProcess>();

/** How the tests run the CLI unless told otherwise: from source, as `pnpm chat` does. */
export const sourceCommand = [process.execPath, ...fromSource(clientMain)];

/**
 * Starts `chat <args>` as a real process, stdin a pipe, as `printf ... | chat ...` would;
 * `command` runs the CLI (from source by default; an installed `chat`, the client under
 * Deno, or the source run inside a network namespace: `[...wrapper, ...sourceCommand]`).
 */
export function spawnCli(args: string[], env: Record<string, string | undefined> = {}, command: string[] = sourceCommand): CliProcess {
  const [executable = process.execPath, ...leading] = command;
  const child = spawn(executable, [...leading, ...args], {
    cwd: clientDir,
    env: { ...process.env, CHAT_URL: undefined, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const listeners = new Set<() => void>();
  const exited = new Promise<Exit>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  let exit: Exit | undefined;

  const split = (stream: NodeJS.ReadableStream | null, into: string[]) =>
    onLines(stream, (line) => {
      into.push(line);
      if (process.env.CHAT_TEST_VERBOSE) process.stderr.write(`[chat ${args[0] ?? ""} ${child.pid}] ${line}\n`);
      listeners.forEach((listener) => listener());
    });
  split(child.stdout, stdout);
  split(child.stderr, stderr);
  // A process can exit before its pipes are drained: wait for both to close.
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  void Promise.all([exited, closed]).then(([result]) => {
    exit = result;
    listeners.forEach((listener) => listener());
  });

  const printed = () => `stdout:\n${stdout.join("\n")}\nstderr:\n${stderr.join("\n")}`;
  const matches = (pattern: RegExp | string, line: string) =>
    typeof pattern === "string" ? line === pattern : pattern.test(line);

  const waitFor = (lines: string[], pattern: RegExp | string, { from = 0, timeoutMs = 15_000 }: WaitOptions = {}) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = lines.slice(from).find((candidate) => matches(pattern, candidate));
        if (line !== undefined) return done(() => resolve(line));
        if (exit !== undefined) {
          done(() => reject(new Error(`chat exited (${exit?.signal ?? exit?.code}) before printing ${pattern}; ${printed()}`)));
        }
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`chat printed no line ${pattern} within ${timeoutMs} ms; ${printed()}`))),
        timeoutMs,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        listeners.delete(check);
        settle();
      };
      listeners.add(check);
      check();
    });

  const cli: CliProcess = {
    child,
    stdout,
    stderr,
    waitForLine: (pattern, options) => waitFor(stdout, pattern, options),
    waitForError: (pattern, options) => waitFor(stderr, pattern, options),
    send: (line) => void child.stdin?.write(`${line}\n`),
    end: () => void child.stdin?.end(),
    exited,
    exit: (timeoutMs = 15_000) =>
      new Promise<Exit>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`chat still running after ${timeoutMs} ms; ${printed()}`)), timeoutMs);
        void Promise.all([exited, closed]).then(([result]) => {
          clearTimeout(timer);
          resolve(result);
        });
      }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        child.kill("SIGCONT");
        const timer = setTimeout(() => child.kill("SIGKILL"), 2000);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
  running.add(cli);
  void exited.then(() => running.delete(cli));
  return cli;
}

/** Stops every CLI process the tests started that is still running. */
export async function stopAllClis(): Promise<void> {
  await Promise.all([...running].map((cli) => cli.stop()));
}

/** The socket id in a `connected, id: <id>` line. */
export const connectedId = (line: string): string => {
  const id = /^connected, id: (\S+)$/.exec(line)?.[1];
  if (id === undefined) throw new Error(`not a connected line: ${JSON.stringify(line)}`);
  return id;
};

/** `chat <name> --url <url>`, once it has printed `connected, id: <id>`. */
export async function startChat(name: string, url: string): Promise<{ cli: CliProcess; id: string }> {
  const cli = spawnCli([name, "--url", url]);
  const line = await cli.waitForLine(/^connected, id: /);
  return { cli, id: connectedId(line) };
}

/**
 * The `<text> from <user>` lines a process printed: the chat itself, without status lines
 * (`connected, ...`, `error: ...`, `cannot reach ...`) or notices (`* ...`).
 */
export const messageLines = (cli: CliProcess): string[] =>
  cli.stdout.filter((line) => / from \S+$/.test(line) && !/^(\* |error: |\(dm\) )/.test(line));

/** The `<text> from <user>` lines a process printed of one sender, texts only. */
export const textsFrom = (cli: CliProcess, user: string): string[] =>
  messageLines(cli)
    .filter((line) => line.endsWith(` from ${user}`))
    .map((line) => line.slice(0, -` from ${user}`.length));

/** The `error: ...` lines a process printed (on stderr). */
export const errorLines = (cli: CliProcess): string[] => cli.stderr.filter((line) => line.startsWith("error: "));
