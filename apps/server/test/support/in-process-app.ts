import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { onTestFinished } from "vitest";
import type { ManagerOptions, SocketOptions } from "socket.io-client";
import type { ChatApp } from "../../src/app/create-app.ts";
import { createMemoryChatApp } from "../../src/app/memory-app.ts";
import { parseConfig, type Config } from "../../src/config.ts";
import type { Log } from "../../src/logging/log.ts";
import { connectClient, type TestClient } from "@chat/test-kit";

/** One line the app logged, kept instead of written. */
export interface LoggedLine {
  level: "info" | "error";
  line: string;
  cause?: unknown;
}

/** A log that writes nothing and keeps every line, so that a test can say what was logged. */
export interface RecordingLog extends Log {
  readonly lines: LoggedLine[];
  /** The error lines so far, their text only. */
  errors(): string[];
}

export function recordingLog(): RecordingLog {
  const lines: LoggedLine[] = [];
  return {
    lines,
    info: (line) => void lines.push({ level: "info", line }),
    error: (line, cause) => void lines.push({ level: "error", line, ...(cause === undefined ? {} : { cause }) }),
    errors: () => lines.filter((entry) => entry.level === "error").map((entry) => entry.line),
  };
}

/** Makes the app under test; unset, the memory app the single process runs. */
export type AppFactory = (httpServer: HttpServer, config: Config, deps: { log: Log }) => ChatApp;

export interface InProcessOptions {
  /** Settings over the defaults (those of an empty environment and command line). */
  settings?: Partial<Config>;
  app?: AppFactory;
}

export interface InProcessApp {
  readonly app: ChatApp;
  readonly config: Config;
  readonly log: RecordingLog;
  readonly url: string;
  /**
   * A client connected as `name` over WebSocket from the first packet (no long-polling
   * upgrade, so nothing a test waits for sits in a poll), closed with the app.
   */
  connect(name: string, options?: Partial<ManagerOptions & SocketOptions>): Promise<TestClient>;
  /** Closes the clients, then the app and its HTTP server; also done when the test finishes. */
  close(): Promise<void>;
}

/** The defaults of an empty environment: what a test gets unless it says otherwise. */
export const defaultConfig = (): Config => {
  const parsed = parseConfig({}, []);
  if (parsed.help) throw new Error("no help was asked for");
  return parsed.config;
};

/**
 * The chat app in this process, on 127.0.0.1 and a free port: the handlers with their real
 * Socket.IO server and real clients over real sockets, with the memory stores in place of
 * Redis. Called inside a test; everything it starts is closed when the test finishes.
 */
export async function startInProcessApp({ settings = {}, app: makeApp = createMemoryChatApp }: InProcessOptions = {}): Promise<InProcessApp> {
  const config: Config = { ...defaultConfig(), ...settings };
  const log = recordingLog();
  const httpServer = createServer();
  const app = makeApp(httpServer, config, { log });
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const clients: TestClient[] = [];
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const client of clients) client.close();
      await app.close();
      // io.close() closes the HTTP server it is attached to; this covers an app that failed to.
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    })();
    return closing;
  };
  onTestFinished(close);
  return {
    app,
    config,
    log,
    url,
    async connect(name, options = {}) {
      const client = await connectClient(url, name, { transports: ["websocket"], ...options });
      clients.push(client);
      return client;
    },
    close,
  };
}
