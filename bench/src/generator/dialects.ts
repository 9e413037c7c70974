import type { ErrorCode, MessageSend } from "@chat/protocol";
import type { EngineClient } from "@chat/test-kit/engine-client";
import type { ClientSpec, Dialect } from "./wire.ts";

/** What a sender writes into each message: send time (clock.ts ms), sender, sequence number. */
export interface Stamp {
  t: number;
  s: string;
  n: number;
}

export interface DialectSpeech {
  /** The handshake's auth object as JSON ("" for none). */
  auth(spec: ClientSpec): string;
  /** Whatever must happen between connecting and taking part (joining the room); rejects if refused. */
  prepare(client: EngineClient, spec: ClientSpec): Promise<void>;
  /**
   * Sends one message. `done(true)` once it counts as sent: at once for the reference (it
   * has no acks), on an ok ack for the project, which sends again after a failure that may
   * pass, as the client library does; `done(false)` on a refusal, or once it gives up.
   */
  send(client: EngineClient, spec: ClientSpec, stamp: Stamp, clientId: string, done: (sent: boolean) => void): void;
  /** The stamps a received event frame carries: none for events that are not chat lines. */
  stampsOf(frame: string): Stamp[];
}

const isStamp = (value: unknown): value is Stamp =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as Stamp).t === "number" &&
  typeof (value as Stamp).s === "string" &&
  typeof (value as Stamp).n === "number";

/** An ack's outcome: "ok", the failure's code, or "malformed". */
const ackOutcome = (payload: string): string => {
  try {
    const [ack] = JSON.parse(payload) as [{ ok?: unknown; error?: { code?: unknown } } | undefined];
    if (ack?.ok === true) return "ok";
    return typeof ack?.error?.code === "string" ? ack.error.code : "malformed";
  } catch {
    return "malformed";
  }
};

const ackIsOk = (payload: string): boolean => ackOutcome(payload) === "ok";

/**
 * Failures that say the send was not done and may pass: the client library sends again, with
 * the same client id (which the server stores once), and so does the bench's sender.
 */
const retryable: ReadonlySet<string> = new Set<ErrorCode>(["unavailable", "rate_limited"]);
/** The pause before the first retry, doubled each time up to `maxRetryPauseMs`, as the client library's. */
export const firstRetryPauseMs = 250;
const maxRetryPauseMs = 4000;
/** A send still failing this long after its first attempt counts as failed. */
export const giveUpAfterMs = 30_000;

/**
 * The project's protocol: the user name in the handshake, `room:join` before sending or
 * receiving (sending needs membership), `message:send` with a client id, and lines delivered as
 * `message:new` (one) or `message:batch` (several, in order). Other events (presence, typing)
 * are not looked into.
 */
const project: DialectSpeech = {
  auth: (spec) => JSON.stringify({ name: spec.name }),
  prepare: (client, spec) =>
    new Promise((resolve, reject) => {
      if (spec.room === undefined) return resolve();
      client.emitWithAck(JSON.stringify(["room:join", { room: spec.room }]), (payload) =>
        ackIsOk(payload) ? resolve() : reject(new Error(`room:join refused: ${payload.slice(0, 200)}`)),
      );
    }),
  send: (client, spec, stamp, clientId, done) => {
    // A sender always has a room (`prepare` joined it); the protocol's schema says what is sent.
    const message = { room: spec.room, text: JSON.stringify(stamp), clientId } satisfies Partial<MessageSend>;
    const frame = JSON.stringify(["message:send", message]);
    const firstAt = Date.now();
    let pauseMs = firstRetryPauseMs;
    const attempt = () => {
      if (!client.open) return done(false);
      client.emitWithAck(frame, (payload) => {
        const outcome = ackOutcome(payload);
        if (outcome === "ok") return done(true);
        if (!retryable.has(outcome) || Date.now() + pauseMs - firstAt > giveUpAfterMs) return done(false);
        setTimeout(attempt, pauseMs);
        pauseMs = Math.min(pauseMs * 2, maxRetryPauseMs);
      });
    };
    attempt();
  },
  stampsOf: (frame) =>
    frame.startsWith('42["message:new",') || frame.startsWith('42["message:batch",') ? stampsInLines(frame) : [],
};

/**
 * A stamp as the project's lines carry it: JSON inside the line's JSON string `text`, so its
 * quotes arrive escaped (`{\\"t\\":…}`). Read straight out of the frame: at a hundred
 * thousand receivers, parsing each whole line (id, room, user, times) would add a
 * good deal to the generators' share of the machine under test.
 */
const escapedStamp = /\{\\"t\\":(-?[0-9.eE+]+),\\"s\\":\\"([^"\\]*)\\",\\"n\\":(\d+)\}/g;

function stampsInLines(frame: string): Stamp[] {
  const stamps: Stamp[] = [];
  for (const [, t, s, n] of frame.matchAll(escapedStamp)) {
    if (t !== undefined && s !== undefined && n !== undefined) stamps.push({ t: Number(t), s, n: Number(n) });
  }
  return stamps;
}

/** The references': a bare handshake (naming the room, when there is one) and one event both ways. */
const reference: DialectSpeech = {
  auth: (spec) => (spec.room === undefined ? "" : JSON.stringify({ room: spec.room })),
  prepare: async () => {},
  send: (client, _spec, stamp, _clientId, done) => {
    client.emit(JSON.stringify(["chat message", stamp]));
    done(true);
  },
  stampsOf: (frame) => {
    if (!frame.startsWith('42["chat message",')) return [];
    const [, stamp] = JSON.parse(frame.slice(2)) as [string, unknown];
    return isStamp(stamp) ? [stamp] : [];
  },
};

/** The streams recipe relays the same event; its deliveries carry the stream offset as a last argument, unread here. */
export const dialects: Record<Dialect, DialectSpeech> = { project, reference, streams: reference };
