import { serverEvents, type ChatMessage, type ServerEventArgs, type ServerEventName } from "@chat/protocol";
import { type TestClient } from "@chat/test-kit";
import { untyped } from "./wire.ts";

/** The events a recorder lists: every server event but `message:batch`, whose messages it lists as `message:new`. */
export type RecordedEvent = Exclude<ServerEventName, "message:batch">;

/** What one server push carried: its name and its one argument, checked against the protocol's schema. */
export type Received = { [E in RecordedEvent]: { event: E; data: ServerEventArgs<E>[0] } }[RecordedEvent];

export type DataOf<E extends RecordedEvent> = ServerEventArgs<E>[0];

/**
 * Every event a client receives, in the order it received them, across all event names: a
 * test can then say not only what arrived but what arrived before what. A `message:batch`
 * is listed as one `message:new` per message, in order, so that "received this message"
 * reads the same however the message came; `batches` keeps the batches as they came.
 */
export interface Recorder {
  readonly client: TestClient;
  /** Everything received so far, in order. */
  readonly all: Received[];
  /** Every `message:batch` received so far, as it came (its messages are in `all` too). */
  readonly batches: ChatMessage[][];
  /** Pushes that matched no event of the protocol or failed its schema. */
  readonly malformed: { event: string; args: unknown[]; why: string }[];
  /** The data of every `event` received so far, in order. */
  of<E extends RecordedEvent>(event: E): DataOf<E>[];
  /**
   * The first `event` at index `from` of `all` or later (already received or still to come)
   * whose data satisfies `match`; resolves with its data and its index in `all`, or rejects
   * after `timeoutMs`.
   */
  next<E extends RecordedEvent>(
    event: E,
    match?: (data: DataOf<E>) => boolean,
    timeoutMs?: number,
    from?: number,
  ): Promise<{ data: DataOf<E>; index: number }>;
  /** What arrived before index `index` (exclusive) of `event`. */
  before<E extends RecordedEvent>(index: number, event: E): DataOf<E>[];
}

const isServerEvent = (name: unknown): name is ServerEventName =>
  typeof name === "string" && Object.hasOwn(serverEvents, name);

export function record(client: TestClient): Recorder {
  const all: Received[] = [];
  const batches: ChatMessage[][] = [];
  const malformed: Recorder["malformed"] = [];
  const waiters: { check: (entry: Received, index: number) => boolean }[] = [];
  const add = (entry: Received) => {
    all.push(entry);
    const index = all.length - 1;
    for (const waiter of [...waiters]) {
      if (waiter.check(entry, index)) waiters.splice(waiters.indexOf(waiter), 1);
    }
  };
  untyped(client).onAny((event: unknown, ...args: unknown[]) => {
    if (!isServerEvent(event)) {
      malformed.push({ event: String(event), args, why: "not an event of the protocol" });
      return;
    }
    const parsed = serverEvents[event].safeParse(args);
    if (!parsed.success) {
      malformed.push({ event, args, why: parsed.error.message });
      return;
    }
    if (event === "message:batch") {
      const [batch] = parsed.data as ServerEventArgs<"message:batch">;
      batches.push(batch);
      for (const message of batch) add({ event: "message:new", data: message });
      return;
    }
    add({ event, data: parsed.data[0] } as Received);
  });
  const dataOf = <E extends RecordedEvent>(entries: Received[], event: E): DataOf<E>[] =>
    entries.filter((entry) => entry.event === event).map((entry) => entry.data as DataOf<E>);
  return {
    client,
    all,
    batches,
    malformed,
    of: (event) => dataOf(all, event),
    before: (index, event) => dataOf(all.slice(0, index), event),
    next(event, match = () => true, timeoutMs = 15_000, from = 0) {
      type Hit = { data: DataOf<typeof event>; index: number };
      const matches = (entry: Received): boolean => entry.event === event && match(entry.data as DataOf<typeof event>);
      const seen = all.findIndex((entry, index) => index >= from && matches(entry));
      if (seen >= 0) return Promise.resolve({ data: all[seen]?.data as DataOf<typeof event>, index: seen });
      return new Promise<Hit>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(
            new Error(
              `no matching ${event} at ${client.id ?? "?"} (connected: ${client.connected}) within ${timeoutMs} ms; received ${JSON.stringify(all).slice(0, 2000)}`,
            ),
          );
        }, timeoutMs);
        const waiter = {
          check: (entry: Received, index: number) => {
            if (!matches(entry)) return false;
            clearTimeout(timer);
            resolve({ data: entry.data as DataOf<typeof event>, index });
            return true;
          },
        };
        waiters.push(waiter);
      });
    },
  };
}
