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
import type { Log } from "../logging/log.ts";
import { countingAcks, noMetrics, type ChatMetrics } from "../ops/metrics.ts";
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

/**
 * Wraps an event's action in the steps every event shares: take the ack callback, validate
 * the arguments with the protocol's schema, run, answer. Nothing the client sends can make
 * it throw; each refusal is logged once.
 */
export function defineHandler<E extends ClientEventName>(
  event: E,
  act: Act<E>,
  log: Log,
  inFlight: InFlight,
  metrics: ChatMetrics = noMetrics,
) {
  const schema = clientEvents[event].args;
  return (socket: ChatSocket) =>
    (...raw: unknown[]): Promise<void> => inFlight.track(async () => {
      const { args, ack: reply } = splitAck(raw);
      metrics.received(event);
      const ack = reply && countingAcks(metrics, reply);
      const who = `user ${socket.data.name} (id: ${socket.id})`;
      if (ack === undefined) {
        metrics.dropped("no_ack");
        log.error(`dropped ${event} from ${who}: no acknowledgement callback`);
        return;
      }
      const parsed = schema.safeParse(args);
      if (!parsed.success) {
        log.error(`refused ${event} from ${who}: invalid payload`);
        ack(fail("invalid_payload", `invalid arguments for ${event}`, issuesOf(parsed.error)));
        return;
      }
      try {
        ack(await act(socket, ...(parsed.data as ClientEventArgs<E>)));
      } catch (error) {
        if (error instanceof StoreUnavailableError) {
          log.error(`could not handle ${event} from ${who}`, error);
          ack(fail("unavailable", "the service cannot store messages right now; try again"));
        } else if (error instanceof ClientIdReusedError) {
          log.error(`refused ${event} from ${who}: clientId ${error.clientId} reused with other text`);
          ack(fail("client_id_reused", error.message));
        } else {
          log.error(`failed to handle ${event} from ${who}`, error);
          ack(fail("internal", "the server failed to handle the request"));
        }
      }
    });
}
