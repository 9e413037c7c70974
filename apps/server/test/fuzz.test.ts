import { randomBytes } from "node:crypto";
import {
  AckFailure,
  ackSchemaOf,
  clientEvents,
  isClientEventName,
  serverEvents,
  type ChatMessage,
  type ClientEventName,
  type DirectMessage,
  type ErrorCode,
  type TypingNotice,
} from "@chat/protocol";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  childPids,
  clientsOnDifferentWorkers,
  collect,
  connectClient,
  isAlive,
  pollingHandshake,
  rssOf,
  type RunningServer,
  startTimeOf,
  type TestClient,
  uniquePrefix,
} from "@chat/test-kit";
import { ok, request } from "./support/requests.ts";
import { ProcessGuard, startServerPatiently } from "./support/topology.ts";
import { inbox, sendLine, untyped } from "./support/wire.ts";

/**
 * Property-based abuse of every client event of the protocol (and of names outside it) with
 * arbitrary arguments, from two senders on different workers of a real cluster. For each
 * call: an error ack whose code the protocol knows (or no ack when no callback was given, or a
 * disconnect when the packet is over the size limit or breaks Socket.IO's framing); the
 * workers stay the same processes; nothing reaches a watcher; nothing is stored.
 *
 * The senders are in no room (they leave the lobby on arrival, and every join that succeeds
 * is undone at once) and every user they can name is offline, so no send of theirs can
 * succeed: whatever the watcher receives or history holds beyond the control lines is a leak.
 */

const tag = randomBytes(4).toString("hex");
/** Rooms the fuzz names on purpose; the watcher is in every one of them. */
const poolRooms = ["lobby", `fz-${tag}`, `fy-${tag}`];
/** Users the fuzz names on purpose: none of them is ever online during the fuzz. */
const ghosts = [`ghost-${tag}`, "nobody"];
const names = { watcher: `watch-${tag}`, senders: [`fa-${tag}`, `fb-${tag}`] as const, control: `ctl-${tag}` };

/** Event names the client library refuses to emit (it throws): not something a server can receive from it. */
const clientReserved = new Set(["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"]);
const eventNames = Object.keys(clientEvents) as ClientEventName[];
/** A request may fail with these; `internal` (a fault) and `unavailable` (Redis down) must not come from bad input. */
const acceptableCodes = new Set<ErrorCode>([
  "invalid_payload",
  "forbidden",
  "not_found",
  "rate_limited",
  "not_invited",
  "room_exists",
  "room_quota_exceeded",
]);
/** The requests that may succeed for a sender in no room: reads of its own state, and joins (undone at once). */
const mayMatter = new Set<string>(["room:list", "dm:fetch", "room:join", "room:create"]);

type AckMode = { kind: "callback" } | { kind: "none" } | { kind: "non-function"; value: unknown };
interface Call {
  sender: 0 | 1;
  event: string | number;
  args: unknown[];
  ack: AckMode;
}

// ---------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const hostileUnit = fc.oneof(
  fc.constantFrom("a", "Z", "0", "-", "_", ".", ":", " ", "\u0000", "\n", '"', "\\", "/", "€", "😀", "\u202e", "\ufeff"),
  anyCodeUnit,
  loneSurrogate,
);
const shortString = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.string({ unit: hostileUnit, maxLength: 24 }),
  fc.constantFrom(
    ...poolRooms,
    ...ghosts,
    "",
    " ",
    "lobby ",
    "LOBBY",
    "room:lobby",
    `user:${names.watcher}`,
    "__proto__",
    "constructor",
    "prototype",
    "toString",
    "1700000000000-0",
    "0-0",
    "-1-1",
    "9".repeat(40),
  ),
);
/** Strings far over every limit of the protocol, up to ~50 kB, some of them not even well-formed UTF-16. */
const hugeString = fc
  .record({ unit: fc.constantFrom("a", "€", "😀", "\ud800", "\udc00x", "\\\""), length: fc.integer({ min: 2001, max: 50_000 }) })
  .map(({ unit, length }) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length));
const binary = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.integer({ min: 1_000, max: 40_000 }).map((length) => new Uint8Array(length).fill(0x41)),
  fc.constantFrom(new Uint16Array([0xd800, 0x41]), new Float64Array([Number.NaN, -0]), new ArrayBuffer(8)),
);
const leaf: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: shortString },
  { weight: 1, arbitrary: hugeString },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, Number.MAX_SAFE_INTEGER + 2, -1, 0, 101, 501, 1e308) },
  { weight: 1, arbitrary: binary },
);
const key = fc.oneof(
  fc.constantFrom(
    "room",
    "text",
    "clientId",
    "to",
    "after",
    "before",
    "limit",
    "from",
    "id",
    "sentAt",
    "__proto__",
    "constructor",
    "prototype",
    "_placeholder",
    "num",
    "toJSON",
    "hasOwnProperty",
  ),
  shortString,
);
/** Nested arrays and objects, thousands deep. */
const deep = fc
  .record({ depth: fc.integer({ min: 20, max: 500 }), kind: fc.constantFrom("array", "object", "mixed"), inner: shortString })
  .map(({ depth, kind, inner }) => {
    let value: unknown = inner;
    for (let level = 0; level < depth; level++) {
      const asArray = kind === "array" || (kind === "mixed" && level % 2 === 0);
      value = asArray ? [value] : { room: value };
    }
    return value;
  });
/** Objects with `__proto__`, `constructor` and `prototype` as own keys, as JSON.parse (and so the server) makes them. */
const jsonSafe = fc.jsonValue({ maxDepth: 2 });
const polluting = fc
  .record({
    target: fc.constantFrom("__proto__", "constructor", "prototype"),
    payload: fc.oneof(
      fc.constantFrom({ polluted: true }, { room: "lobby", text: "polluted" }, { prototype: { polluted: true } }, { isAdmin: true, name: names.watcher }),
      jsonSafe,
    ),
    rest: fc.dictionary(fc.constantFrom("room", "text", "to", "limit", "after"), jsonSafe, { maxKeys: 3 }),
  })
  .map(({ target, payload, rest }) =>
    JSON.parse(
      `{${[`${JSON.stringify(target)}:${JSON.stringify(payload)}`, ...Object.entries(rest).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)].join(",")}}`,
    ) as unknown,
  );
const { value: structured } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", maxDepth: 4 },
    leaf,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(key, tie("value"), { maxKeys: 4 }),
  ),
}));
const anything = fc.anything({
  maxDepth: 3,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withSparseArray: true,
  withTypedArray: true,
  stringUnit: hostileUnit,
});
const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: structured },
  { weight: 2, arbitrary: anything },
  { weight: 1, arbitrary: deep },
  { weight: 2, arbitrary: polluting },
);

/** Values that look right for a field, or nearly. */
const roomish = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...poolRooms) }, { weight: 2, arbitrary: shortString }, { weight: 1, arbitrary: leaf });
const userish = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ghosts) }, { weight: 2, arbitrary: shortString }, { weight: 1, arbitrary: leaf });
const textish = fc.oneof({ weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 60, unit: hostileUnit }) }, { weight: 1, arbitrary: leaf });
const idish = fc.oneof(fc.constantFrom("0-0", "1700000000000-0", "99999999999999-5"), shortString, leaf);
const clientIdish = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{8,64}$/), shortString, leaf);
const limitish = fc.oneof(fc.integer({ min: -2, max: 600 }), leaf);
const nearValid: Record<ClientEventName, fc.Arbitrary<unknown[]>> = {
  "message:send": fc.record({ room: roomish, text: textish, clientId: clientIdish }, { requiredKeys: ["room", "text"] }).map((a) => [a]),
  "room:join": fc.record({ room: roomish, after: idish }, { requiredKeys: ["room"] }).map((a) => [a]),
  "room:leave": fc.record({ room: roomish }).map((a) => [a]),
  "room:create": fc.record({ room: roomish, private: fc.oneof(fc.boolean(), leaf) }, { requiredKeys: ["room"] }).map((a) => [a]),
  "room:invite": fc.record({ room: roomish, user: userish }).map((a) => [a]),
  "room:list": fc.constant([]),
  "presence:who": fc.record({ room: roomish }).map((a) => [a]),
  "typing:start": fc.record({ room: roomish }).map((a) => [a]),
  "history:fetch": fc.record({ room: roomish, before: idish, limit: limitish }, { requiredKeys: ["room"] }).map((a) => [a]),
  "dm:send": fc.record({ to: userish, text: textish, clientId: clientIdish }, { requiredKeys: ["to", "text"] }).map((a) => [a]),
  "dm:fetch": fc.record({ after: idish, before: idish, limit: limitish }, { requiredKeys: [] }).map((a) => [a]),
};
/** A near-valid argument list, bent one way: an extra key, a wrong value, an extra argument, an array. */
const bent = (args: fc.Arbitrary<unknown[]>): fc.Arbitrary<unknown[]> =>
  fc.tuple(args, fc.constantFrom("as is", "extra key", "wrong value", "extra argument", "wrapped", "missing"), key, value).map(
    ([list, how, extraKey, extra]) => {
      const [first, ...rest] = list;
      const object = typeof first === "object" && first !== null ? (first as Record<string, unknown>) : {};
      switch (how) {
        case "extra key": {
          // defineProperty makes even `__proto__` an own key, as JSON.parse does on the server.
          const copy: Record<string, unknown> = { ...object };
          Object.defineProperty(copy, extraKey, { value: extra, enumerable: true, writable: true, configurable: true });
          return [copy, ...rest];
        }
        case "wrong value": {
          const field = Object.keys(object)[0];
          return field === undefined ? [extra] : [{ ...object, [field]: extra }, ...rest];
        }
        case "extra argument":
          return [...list, extra];
        case "wrapped":
          return [list];
        case "missing":
          return list.slice(1);
        default:
          return list;
      }
    },
  );
const knownEventArgs = (event: ClientEventName): fc.Arbitrary<unknown[]> =>
  fc.oneof(
    { weight: 4, arbitrary: bent(nearValid[event]) },
    { weight: 3, arbitrary: fc.array(value, { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.tuple(value) },
  );
const unknownEventName: fc.Arbitrary<string | number> = fc.oneof(
  fc.constantFrom(
    ...Object.keys(serverEvents),
    "error",
    "__proto__",
    "constructor",
    "toString",
    "hasOwnProperty",
    "valueOf",
    "message:send ",
    " message:send",
    "MESSAGE:SEND",
    "message:send\u0000",
    "room:join\ud800",
    "room:*",
    "*",
    "",
  ),
  shortString.filter((name) => !clientReserved.has(name) && !isClientEventName(name)),
  hugeString,
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
);
const ackMode: fc.Arbitrary<AckMode> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<AckMode>({ kind: "callback" }) },
  { weight: 1, arbitrary: fc.constant<AckMode>({ kind: "none" }) },
  { weight: 1, arbitrary: leaf.map<AckMode>((v) => ({ kind: "non-function", value: v })) },
);

const describeValue = (v: unknown): string => {
  try {
    const json = JSON.stringify(v, (_key, inner: unknown) =>
      inner instanceof ArrayBuffer || ArrayBuffer.isView(inner) ? `<${inner.constructor.name} ${inner.byteLength} bytes>` : inner,
    );
    return json === undefined ? String(v) : json.length > 300 ? `${json.slice(0, 300)}…(${json.length} chars)` : json;
  } catch (error) {
    return `<${String(error)}>`;
  }
};
const describeCall = (call: Call): string =>
  `sender ${call.sender}: ${describeValue(call.event)} args ${describeValue(call.args)} ack ${call.ack.kind}` +
  (call.ack.kind === "non-function" ? ` (${describeValue(call.ack.value)})` : "");

/** Gives a call a short description in fast-check's reports (the values can be 50 kB strings). */
const withDescription = (call: Call): Call => Object.defineProperty(call, fc.toStringMethod, { value: () => describeCall(call) });

const callArb: fc.Arbitrary<Call> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .constantFrom(...eventNames)
      .chain((event) => fc.record({ sender: fc.constantFrom<0 | 1>(0, 1), event: fc.constant(event), args: knownEventArgs(event), ack: ackMode })),
  },
  {
    weight: 1,
    arbitrary: fc.record({ sender: fc.constantFrom<0 | 1>(0, 1), event: unknownEventName, args: fc.array(value, { maxLength: 3 }), ack: ackMode }),
  },
).map(withDescription);

// ---------------------------------------------------------------------------------------
// What the server receives, worked out from what the client sends
// ---------------------------------------------------------------------------------------

const isBinary = (v: unknown): v is ArrayBuffer | ArrayBufferView => v instanceof ArrayBuffer || ArrayBuffer.isView(v);

interface Wire {
  /** The arguments as the server decodes them, when that is plain JSON (no binary attachment). */
  jsonArgs: unknown[] | undefined;
  /** The largest WebSocket frame of the packet, in bytes, not counting the ack id's digits. */
  largestFrame: number;
  /** Binary attachments, each sent as a frame of its own. */
  attachments: number;
  /** Whether the arguments hold an object that claims to be an attachment placeholder. */
  claimsPlaceholder: boolean;
}

const hasBinary = (v: unknown): boolean => {
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item !== "object" || item === null) continue;
    if (isBinary(item)) return true;
    stack.push(...(Array.isArray(item) ? item : Object.values(item)));
  }
  return false;
};

/**
 * Socket.IO's client copies the arguments of a packet with attachments the way this does
 * (socket.io-parser's deconstructPacket): binaries become placeholders, objects are copied
 * key by key with `copy[key] = ...`, so an own `__proto__` key does not survive the copy.
 */
function deconstruct(v: unknown, attachments: { sizes: number[]; placeholders: WeakSet<object> }): unknown {
  if (!v) return v;
  if (isBinary(v)) {
    const placeholder = { _placeholder: true, num: attachments.sizes.length };
    attachments.sizes.push(v.byteLength);
    attachments.placeholders.add(placeholder);
    return placeholder;
  }
  if (Array.isArray(v)) return v.map((item: unknown) => deconstruct(item, attachments));
  if (typeof v === "object" && !(v instanceof Date)) {
    const copy: Record<string, unknown> = {};
    for (const key in v) {
      if (Object.prototype.hasOwnProperty.call(v, key)) copy[key] = deconstruct((v as Record<string, unknown>)[key], attachments);
    }
    return copy;
  }
  return v;
}

/** Whether `v` holds an object claiming to be an attachment placeholder that the encoder did not make. */
const claimsPlaceholder = (v: unknown, ours: WeakSet<object>): boolean => {
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item !== "object" || item === null) continue;
    if (!ours.has(item) && !Array.isArray(item) && (item as Record<string, unknown>)._placeholder === true) return true;
    stack.push(...Object.values(item));
  }
  return false;
};

/** What Socket.IO's encoder makes of `[event, ...args]`: JSON, with binaries sent as frames of their own. */
function wireOf(event: string | number, args: unknown[]): Wire {
  const data = [event, ...args];
  if (!hasBinary(data)) {
    const json = JSON.stringify(data);
    // "4" (Engine.IO message) + "2" (Socket.IO event) + the ack id + the JSON.
    return {
      jsonArgs: (JSON.parse(json) as unknown[]).slice(1),
      largestFrame: 2 + Buffer.byteLength(json),
      attachments: 0,
      claimsPlaceholder: false,
    };
  }
  const attachments = { sizes: [] as number[], placeholders: new WeakSet<object>() };
  const copy = deconstruct(data, attachments);
  const json = JSON.stringify(copy);
  const count = attachments.sizes.length;
  // "4" + "5<count>-" (Socket.IO binary event) + the ack id + the JSON.
  return {
    jsonArgs: undefined,
    largestFrame: Math.max(2 + String(count).length + 1 + Buffer.byteLength(json), ...attachments.sizes),
    attachments: count,
    claimsPlaceholder: claimsPlaceholder(copy, attachments.placeholders),
  };
}

// ---------------------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------------------

describe("every client event with arbitrary arguments, against a 2-worker cluster", () => {
  let server: RunningServer;
  const guard = new ProcessGuard();
  let maxPayload: number;
  let primaryPid: number;
  const workerStart = new Map<number, string | undefined>();
  const senders: (TestClient | undefined)[] = [undefined, undefined];
  let watcher: TestClient;
  let control: TestClient;
  const clients: TestClient[] = [];
  const controlLines: string[] = [];
  let seenByWatcher: { messages: ChatMessage[]; dms: DirectMessage[]; typing: TypingNotice[] };
  const stats = { calls: 0, acks: 0, successes: 0, disconnects: 0, noAck: 0, byCode: new Map<string, number>() };

  /** A sender: on the websocket transport (so the size limit is one frame's), out of the lobby. */
  const connectSender = async (index: 0 | 1, client?: TestClient): Promise<TestClient> => {
    const sender = client ?? (await connectClient(server.url, names.senders[index], { transports: ["websocket"] }));
    clients.push(sender);
    await ok(sender, "room:leave", { room: "lobby" });
    senders[index] = sender;
    return sender;
  };

  beforeAll(async () => {
    // Thousands of calls from a few connections: the event limits (event-limits.test.ts) are not under test here.
    server = guard.watch(
      await startServerPatiently({
        workers: 2,
        prefix: uniquePrefix(),
        env: { EVENT_RATE_PER_CONNECTION: "100000", EVENT_RATE_PER_USER: "100000" },
      }),
    );
    primaryPid = server.child.pid ?? -1;
    for (const pid of childPids(primaryPid)) workerStart.set(pid, startTimeOf(pid));
    expect(workerStart.size, `the primary should have two workers; it printed:\n${server.lines.join("\n")}`).toBe(2);
    maxPayload = (await pollingHandshake(server.port)).maxPayload;

    watcher = await connectClient(server.url, names.watcher);
    control = await connectClient(server.url, names.control);
    clients.push(watcher, control);
    seenByWatcher = { messages: collect(watcher, "message:new"), dms: collect(watcher, "dm:new"), typing: collect(watcher, "typing:started") };
    for (const room of poolRooms.slice(1)) {
      await ok(watcher, "room:join", { room });
      await ok(control, "room:join", { room });
    }

    const pair = await clientsOnDifferentWorkers(server.url, (id) => server.workerOf(id), [...names.senders], {
      transports: ["websocket"],
    });
    pair.extra.forEach((client) => client.close());
    await connectSender(0, pair.a);
    await connectSender(1, pair.b);
  }, 120_000);

  afterAll(async () => {
    clients.forEach((client) => client.close());
    await guard.stopAll();
  }, 60_000);

  /** A control line from the control client reaches the watcher (so the watcher would see a leak). */
  const controlRoundTrip = async (room = "lobby") => {
    const text = `control ${controlLines.length + 1} in ${room}`;
    controlLines.push(text);
    const atWatcher = inbox(watcher);
    await sendLine(control, text, room);
    await atWatcher.waitForText(text);
  };

  /** Sends one call and checks its outcome; throws (for fast-check) on a violation. */
  const runCall = async (call: Call): Promise<void> => {
    stats.calls++;
    const what = describeCall(call);
    const sender = senders[call.sender] ?? (await connectSender(call.sender));
    const wire = wireOf(call.event, call.ack.kind === "non-function" ? [...call.args, call.ack.value] : call.args);
    // largestFrame leaves out the ack id (a few digits): over the limit even without it, the
    // connection must go; within a few bytes of it, it may. A binary packet may also go when it
    // has more attachments than the server takes (10) or a placeholder that points nowhere.
    const mustSever = wire.largestFrame > maxPayload;
    const maySever = wire.largestFrame + 8 > maxPayload || (wire.attachments > 0 && wire.claimsPlaceholder) || wire.attachments > 10;

    let severed: string | undefined;
    let onDisconnect: (reason: string) => void = () => undefined;
    const disconnected = new Promise<string>((resolve) => {
      onDisconnect = resolve;
    });
    sender.on("disconnect", onDisconnect);
    const race = async <T>(work: Promise<T>): Promise<T | undefined> => {
      const outcome = await Promise.race([work.then((v) => ({ v })), disconnected.then((reason) => ({ reason }))]).catch(
        async (error: unknown) => {
          // emitWithAck rejects when the connection goes: that is a disconnect, not a missing ack.
          const reason = await Promise.race([disconnected, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1_000))]);
          if (reason !== undefined) return { reason };
          throw new Error(`no answer to ${what}: ${String(error)}`);
        },
      );
      if ("reason" in outcome) {
        severed = outcome.reason;
        return undefined;
      }
      return outcome.v;
    };

    const socket = untyped(sender);
    // Event names may be numbers on the wire too: the typings say string only.
    const emit = socket.emit as (event: string | number, ...args: unknown[]) => unknown;
    let answer: unknown;
    try {
      if (call.ack.kind === "callback") {
        const timed = socket.timeout(10_000);
        const emitWithAck = timed.emitWithAck as (event: string | number, ...args: unknown[]) => Promise<unknown>;
        answer = await race(emitWithAck.call(timed, call.event, ...call.args));
      } else {
        stats.noAck++;
        emit.call(socket, call.event, ...(call.ack.kind === "non-function" ? [...call.args, call.ack.value] : call.args));
        // The next request on the same connection is answered after the server has taken this one.
        const probe = await race(socket.timeout(10_000).emitWithAck("room:list") as Promise<unknown>);
        if (severed === undefined) expect(probe, `probe after ${what}`).toEqual({ ok: true, data: { rooms: [] } });
      }
    } finally {
      sender.off("disconnect", onDisconnect);
    }

    if (severed !== undefined) {
      stats.disconnects++;
      senders[call.sender] = undefined;
      expect(maySever, `disconnected (${severed}) by ${what}; largest frame ${wire.largestFrame} of ${maxPayload}`).toBe(true);
      await connectSender(call.sender);
      return;
    }
    expect(mustSever, `a frame of ${wire.largestFrame} bytes (limit ${maxPayload}) was taken: ${what}`).toBe(false);
    if (call.ack.kind !== "callback") return;

    stats.acks++;
    if (!isClientEventName(call.event)) {
      const failure = AckFailure.safeParse(answer);
      expect(failure.success, `ack of unknown event is not an AckFailure: ${describeValue(answer)} for ${what}`).toBe(true);
      expect(failure.data?.error.code, what).toBe("unknown_event");
      return;
    }
    const event = call.event;
    const parsed = ackSchemaOf(event).safeParse(answer);
    expect(parsed.success, `ack ${describeValue(answer)} does not match the protocol for ${what}`).toBe(true);
    if (!parsed.success) return;
    const ack = parsed.data;
    if (!ack.ok) {
      stats.byCode.set(ack.error.code, (stats.byCode.get(ack.error.code) ?? 0) + 1);
      expect(acceptableCodes.has(ack.error.code), `${ack.error.code} (${ack.error.message}) for ${what}`).toBe(true);
      const valid = wire.jsonArgs === undefined ? undefined : clientEvents[event].args.safeParse(wire.jsonArgs).success;
      if (valid === false) expect(ack.error.code, `arguments the schema refuses: ${what}`).toBe("invalid_payload");
      return;
    }
    stats.successes++;
    expect(mayMatter.has(event), `${event} succeeded for a sender in no room: ${describeValue(ack)} for ${what}`).toBe(true);
    const data: unknown = ack.data;
    if (event === "room:list") expect(data, what).toEqual({ rooms: [] });
    if (event === "dm:fetch") expect(data, what).toMatchObject({ messages: [] });
    if (event === "room:join" || event === "room:create") {
      // Undo the join at once, so that no later send of this sender can succeed.
      const { room } = data as { room: string };
      await ok(sender, "room:leave", { room });
    }
  };

  it("positive control: the watcher sees a control line in every room the fuzz names", async () => {
    for (const room of poolRooms) await controlRoundTrip(room);
    expect(seenByWatcher.messages).toHaveLength(poolRooms.length);
  });

  it("arbitrary calls: an error ack with a known code, no ack without a callback, or a disconnect for a broken packet", async () => {
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(callArb, async (call) => {
        await runCall(call);
        expect(server.lines.filter((line) => /exited/.test(line)), describeCall(call)).toEqual([]);
      }),
      { numRuns: 2_000, interruptAfterTimeLimit: 30_000, markInterruptAsFailure: false },
    );
    console.info(
      `fuzz: ${stats.calls} calls in ${Date.now() - started} ms; ${stats.acks} acked (${stats.successes} successes), ` +
        `${stats.noAck} without a callback, ${stats.disconnects} disconnects; codes ${JSON.stringify([...stats.byCode])}; maxPayload ${maxPayload}`,
    );
    // The fuzz must actually have exercised the server, not been interrupted straight away.
    expect(stats.calls).toBeGreaterThan(200);
    expect(stats.byCode.get("invalid_payload") ?? 0).toBeGreaterThan(50);
  }, 60_000);

  it("memory: a large batch of hostile calls does not grow a worker by more than 200 MB", async () => {
    const rssBefore = [...workerStart.keys()].map(rssOf);
    const batch = fc.sample(
      fc.record({
        event: fc.oneof(fc.constantFrom(...eventNames), fc.constantFrom("nope:nothing", "error", "__proto__")),
        length: fc.integer({ min: 20_000, max: Math.min(50_000, Math.floor(maxPayload / 2) - 1_000) }),
        shape: fc.constantFrom("text", "room", "key", "array", "deep"),
        callback: fc.boolean(),
      }),
      { numRuns: 7_000, seed: 42 },
    );
    let bytes = 0;
    const inFlight = new Set<Promise<unknown>>();
    for (const [index, { event, length, shape, callback }] of batch.entries()) {
      const big = String.fromCharCode(97 + (index % 26)).repeat(length);
      const arg =
        shape === "text"
          ? { room: poolRooms[index % poolRooms.length], text: big }
          : shape === "room"
            ? { room: big, to: big }
            : shape === "key"
              ? { [big]: 1 }
              : shape === "array"
                ? [big, big.slice(0, 1000)]
                : JSON.parse(`${"[".repeat(500)}"${big}"${"]".repeat(500)}`);
      bytes += length;
      const sender = senders[index % 2];
      if (sender === undefined) throw new Error("a sender is gone");
      const socket = untyped(sender);
      if (!callback) {
        socket.emit(event, arg);
        continue;
      }
      const pending: Promise<unknown> = socket.timeout(30_000).emitWithAck(event, arg).finally(() => inFlight.delete(pending));
      inFlight.add(pending);
      if (inFlight.size >= 32) await Promise.race(inFlight);
    }
    const answers = await Promise.all(inFlight);
    for (const answer of answers) expect(AckFailure.safeParse(answer).success).toBe(true);
    // Both connections are still up and answering.
    for (const sender of senders) {
      if (sender === undefined) throw new Error("a sender is gone");
      expect(await request(sender, "room:list")).toEqual({ ok: true, data: { rooms: [] } });
    }

    const rssAfter = [...workerStart.keys()].map(rssOf);
    console.info(
      `memory: ${batch.length} calls, ${Math.round(bytes / 2 ** 20)} MB of strings; worker RSS (MB) before/after: ` +
        rssBefore.map((rss, i) => `${Math.round(rss / 2 ** 20)}/${Math.round((rssAfter[i] ?? 0) / 2 ** 20)}`).join(", "),
    );
    rssAfter.forEach((rss, i) => expect(rss - (rssBefore[i] ?? 0), `worker ${i} grew`).toBeLessThan(200 * 2 ** 20));
    expect(bytes).toBeGreaterThan(200 * 2 ** 20);
  }, 60_000);

  it("a well-formed send whose text holds a lone surrogate is refused, or stored and delivered unchanged", async () => {
    const room = `sur-${tag}`;
    const reader = await connectClient(server.url, `rd-${tag}`);
    clients.push(reader);
    await ok(reader, "room:join", { room });
    await ok(control, "room:join", { room });
    const arrived = collect(reader, "message:new");
    const text = `half a pair: \ud83d, and the other half: \ude00 ${tag}`;
    const ack = await request(control, "message:send", { room, text });
    if (!ack.ok) {
      expect(ack.error.code).toBe("invalid_payload");
      return;
    }
    for (let waited = 0; waited < 10_000 && arrived.length === 0; waited += 50) await new Promise((r) => setTimeout(r, 50));
    // Compared as JSON, which spells a lone surrogate as \udXXX and shows what replaced it.
    const visible = (texts: string[]) => texts.map((t) => JSON.stringify(t));
    expect(visible(arrived.map((message) => message.text)), "the line as delivered live").toEqual(visible([text]));
    const history = await ok(control, "history:fetch", { room });
    expect(visible(history.messages.map((message) => message.text)), "the line as stored").toEqual(visible([text]));
  });

  it("afterwards: the same workers, nothing delivered to the watcher, nothing stored, and a control line still goes through", async () => {
    expect(isAlive(primaryPid)).toBe(true);
    expect(childPids(primaryPid).sort()).toEqual([...workerStart.keys()].sort());
    for (const [pid, start] of workerStart) expect(startTimeOf(pid)).toBe(start);
    expect(server.lines.filter((line) => /exited/.test(line))).toEqual([]);

    for (const room of poolRooms) await controlRoundTrip(room);
    // Everything the watcher got is a control line; no direct message and no typing notice came.
    expect(seenByWatcher.messages.map((message) => message.text)).toEqual(controlLines);
    expect(seenByWatcher.dms).toEqual([]);
    expect(seenByWatcher.typing).toEqual([]);

    // Nothing stored: the rooms hold only control lines, and no inbox holds anything.
    for (const room of poolRooms) {
      const page = await ok(watcher, "history:fetch", { room, limit: 100 });
      expect(page.messages.map((message) => message.text).filter((text) => !controlLines.includes(text))).toEqual([]);
      expect(page.messages.map((message) => message.from).every((from) => from === names.control)).toBe(true);
    }
    for (const client of [watcher, ...senders]) {
      if (client === undefined) throw new Error("a sender is gone");
      expect((await ok(client, "dm:fetch", {})).messages).toEqual([]);
    }
    for (const ghost of ghosts) {
      const client = await connectClient(server.url, ghost);
      clients.push(client);
      expect((await ok(client, "dm:fetch", {})).messages).toEqual([]);
      client.close();
    }
    // And the senders are still in no room.
    for (const sender of senders) {
      if (sender === undefined) throw new Error("a sender is gone");
      expect(await ok(sender, "room:list")).toEqual({ rooms: [] });
    }
  });
});
