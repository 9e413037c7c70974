import {
  clientEvents,
  fail,
  issuesOf,
  type Ack,
  type ClientEventArgs,
  type ClientEventName,
  type ClientEventResult,
} from "@chat/protocol";
import type { ChatSocket } from "../app/chat-socket.ts";
import type { InFlight } from "../app/in-flight.ts";
import { describeRefusal, type SendLimiter } from "../limits/send-limiter.ts";
import type { Log } from "../logging/log.ts";
import type { RefusalLog } from "../logging/refusal-log.ts";
import { countingAcks, type ChatMetrics } from "../ops/metrics.ts";
import { ClientIdReusedError, StoreUnavailableError } from "../messages/message-store.ts";

export type AckCallback = (ack: Ack<unknown>) => void;

/** Splits Socket.IO's raw arguments into the payload and the ack callback, if the last one is a function. */
export const splitAck = (raw: unknown[]): { args: unknown[]; ack: AckCallback | undefined } => {
  const last = raw.at(-1);
  return typeof last === "function"
    ? { args: raw.slice(0, -1), ack: last as AckCallback }
    : { args: raw, ack: undefined };
};

export type Act<E extends ClientEventName> = (
  socket: ChatSocket,
  ...args: ClientEventArgs<E>
) => Promise<Ack<ClientEventResult<E>>>;

/** What every event's handler shares. */
export interface HandlerContext {
  log: Log;
  inFlight: InFlight;
  metrics: ChatMetrics;
  /** EVENT_RATE_PER_CONNECTION and EVENT_RATE_PER_USER: taken for every event, first. */
  eventLimiter: SendLimiter;
  /** Where refused events are told, a few lines a window however many there are. */
  refusals: RefusalLog;
}

/** How a connection is named in the log: its user and its id. */
export const whoIs = (socket: ChatSocket): string => `user ${socket.data.name} (id: ${socket.id})`;

/**
 * The event limit, before anything else is done with an event (known or not, with an ack
 * or without): `true` when it may go on. A refusal is answered `rate_limited` with the wait,
 * counted, and told in the refusal log.
 */
export async function withinEventLimit(
  { eventLimiter, metrics, refusals }: HandlerContext,
  socket: ChatSocket,
  event: string,
  ack: AckCallback | undefined,
): Promise<boolean> {
  const verdict = await eventLimiter.take(socket.data.name, socket.id);
  if (verdict.allowed) return true;
  const message = describeRefusal(verdict, "requests");
  metrics.eventRefused("rate_limited");
  refusals.refused(whoIs(socket), `refused ${event} from ${whoIs(socket)}: ${message}`);
  if (ack === undefined) metrics.dropped("rate_limited");
  else ack(fail("rate_limited", message));
  return false;
}

/**
 * Wraps an event's action in the steps every event shares: take the ack callback, keep to
 * the event limits, validate the arguments with the protocol's schema, run, answer. Nothing
 * the client sends can make it throw; refusals are logged a few lines a window.
 */
export function defineHandler<E extends ClientEventName>(event: E, act: Act<E>, context: HandlerContext) {
  const { log, inFlight, metrics, refusals } = context;
  const schema = clientEvents[event].args;
  return (socket: ChatSocket) =>
    (...raw: unknown[]): Promise<void> => inFlight.track(async () => {
      const { args, ack: reply } = splitAck(raw);
      metrics.received(event);
      const ack = reply && countingAcks(metrics, reply);
      const who = whoIs(socket);
      try {
        if (!(await withinEventLimit(context, socket, event, ack))) return;
        if (ack === undefined) {
          metrics.dropped("no_ack");
          metrics.eventRefused("no_ack");
          refusals.refused(who, `dropped ${event} from ${who}: no acknowledgement callback`);
          return;
        }
        const parsed = schema.safeParse(args);
        if (!parsed.success) {
          metrics.eventRefused("invalid_payload");
          refusals.refused(who, `refused ${event} from ${who}: invalid payload`);
          ack(fail("invalid_payload", `invalid arguments for ${event}`, issuesOf(parsed.error)));
          return;
        }
        ack(await act(socket, ...(parsed.data as ClientEventArgs<E>)));
      } catch (error) {
        if (error instanceof StoreUnavailableError) {
          log.error(`could not handle ${event} from ${who}`, error);
          ack?.(fail("unavailable", "the service cannot store messages right now; try again"));
        } else if (error instanceof ClientIdReusedError) {
          refusals.refused(who, `refused ${event} from ${who}: clientId ${error.clientId} reused with other text`);
          ack?.(fail("client_id_reused", error.message));
        } else {
          log.error(`failed to handle ${event} from ${who}`, error);
          ack?.(fail("internal", "the server failed to handle the request"));
        }
      }
    });
}
