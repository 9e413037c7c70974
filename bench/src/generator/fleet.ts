import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { sourceFlags } from "@chat/test-kit";
import type { FromGenerator, Replies, ToGenerator } from "./wire.ts";

const generatorMain = fileURLToPath(new URL("./main.ts", import.meta.url));
/** The bench package: `--import tsx` is resolved from the working directory. */
const benchDir = fileURLToPath(new URL("../../", import.meta.url));

/** A command without its id (the fleet numbers them); `type` names the reply it gets. */
export type Command<T extends keyof Replies> = Omit<Extract<ToGenerator, { type: T }>, "id"> & { type: T };

interface Waiting {
  resolve(reply: FromGenerator): void;
  reject(error: Error): void;
}

/** One generator process and the replies it owes. */
class Generator {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 1;
  #gone: Error | undefined;
  readonly ready: Promise<void>;

  constructor(index: number) {
    this.#child = fork(generatorMain, [String(index)], {
      cwd: benchDir,
      execArgv: [...sourceFlags],
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    this.ready = new Promise((resolve, reject) => {
      this.#child.on("message", (message: FromGenerator) => {
        if (message.type === "ready") return resolve();
        const waiting = this.#waiting.get(message.id);
        if (waiting === undefined) return;
        this.#waiting.delete(message.id);
        if (message.type === "failed") waiting.reject(new Error(`generator ${index}: ${message.message}`));
        else waiting.resolve(message);
      });
      this.#child.once("exit", (code, signal) => {
        this.#gone = new Error(`generator ${index} exited (${signal ?? code})`);
        reject(this.#gone);
        for (const waiting of this.#waiting.values()) waiting.reject(this.#gone);
        this.#waiting.clear();
      });
    });
  }

  /** The process's id (while it runs). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  request<T extends keyof Replies>(command: Command<T>): Promise<Replies[T]> {
    if (this.#gone !== undefined) return Promise.reject(this.#gone);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve: (reply) => resolve(reply as Replies[T]), reject });
      this.#child.send({ ...command, id } as ToGenerator);
    });
  }

  async exit(): Promise<void> {
    if (this.#gone !== undefined || !this.#child.connected) return;
    const exited = new Promise<void>((resolve) => this.#child.once("exit", () => resolve()));
    this.#child.send({ type: "exit" } satisfies ToGenerator);
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** The load generators, each a process of its own with its own loopback address. */
export class Fleet {
  readonly #generators: Generator[];

  private constructor(generators: Generator[]) {
    this.#generators = generators;
  }

  static async start(size: number): Promise<Fleet> {
    const fleet = new Fleet(Array.from({ length: size }, (_, index) => new Generator(index)));
    try {
      await Promise.all(fleet.#generators.map((generator) => generator.ready));
    } catch (error) {
      await fleet.close();
      throw error;
    }
    return fleet;
  }

  get size(): number {
    return this.#generators.length;
  }

  /** The generators' process ids: what the bench reads their CPU time by. */
  get pids(): number[] {
    return this.#generators.flatMap((generator) => (generator.pid === undefined ? [] : [generator.pid]));
  }

  /** Sends each generator the command `make` gives it (none when it gives undefined), and waits for every reply. */
  async each<T extends keyof Replies>(make: (generator: number) => Command<T> | undefined): Promise<Replies[T][]> {
    const replies = this.#generators.map((generator, index) => {
      const command = make(index);
      return command === undefined ? undefined : generator.request(command);
    });
    const settled = await Promise.all(replies);
    return settled.filter((reply): reply is Awaited<Replies[T]> => reply !== undefined);
  }

  /** The same command to every generator. */
  all<T extends keyof Replies>(command: Command<T>): Promise<Replies[T][]> {
    return this.each(() => command);
  }

  async close(): Promise<void> {
    await Promise.all(this.#generators.map((generator) => generator.exit()));
  }
}

/** Deals `items` out to `parts` hands, one at a time, so that each hand holds every kind. */
export function deal<T>(items: readonly T[], parts: number): T[][] {
  const hands: T[][] = Array.from({ length: parts }, () => []);
  items.forEach((item, i) => hands[i % parts]?.push(item));
  return hands;
}
