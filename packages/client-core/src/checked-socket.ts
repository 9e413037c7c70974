import {
  ackSchemaOf,
  issuesOf,
  serverEvents,
  type Ack,
  type ClientEventArgs,
  type ClientEventName,
  type ClientEventResult,
  type ServerEventArgs,
  type ServerEventName,
  type ValidationIssue,
} from "@chat/protocol";
import type { Socket } from "socket.io-client";

/*
 * The socket is held untyped, and everything that crosses it is typed here from the protocol:
 * what goes out by the event's argument types, what comes back by its schemas. Nothing the
 * server sends is trusted to be what the event map says until its schema has said so.
 */

/** Sends one request and resolves with its ack, checked against the protocol; rejects after `timeoutMs`. */
export function emitChecked<E extends ClientEventName>(
  socket: Socket,
  event: E,
  args: ClientEventArgs<E>,
  timeoutMs: number,
): Promise<Ack<ClientEventResult<E>>> {
  const schema = ackSchemaOf(event);
  return new Promise((resolve, reject) => {
    socket.timeout(timeoutMs).emit(event, ...args, (error: Error | null, raw: unknown) => {
      if (error) return reject(error);
      const ack = schema.safeParse(raw);
      resolve(
        ack.success
          ? ack.data
          : { ok: false, error: { code: "internal", message: "the server's answer does not follow the protocol" } },
      );
    });
  });
}

/** Calls `handle` with each `event` whose arguments pass the protocol's schema, `invalid` with the others. */
export function onChecked<E extends ServerEventName>(
  socket: Socket,
  event: E,
  handle: (...args: ServerEventArgs<E>) => void,
  invalid: (event: E, issues: ValidationIssue[]) => void,
): void {
  const schema = serverEvents[event];
  // Widened to a plain name: protocol events are none of Socket.IO's reserved ones.
  socket.on(event as string, (...raw: unknown[]) => {
    const parsed = schema.safeParse(raw);
    if (parsed.success) handle(...(parsed.data as ServerEventArgs<E>));
    else invalid(event, issuesOf(parsed.error));
  });
}
