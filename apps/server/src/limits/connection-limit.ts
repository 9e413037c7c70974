import type { ChatSocket } from "../app/chat-socket.ts";
import { RefusedConnection } from "../auth/refused-connection.ts";
import type { Log } from "../logging/log.ts";

/**
 * A Socket.IO middleware that refuses a handshake while this worker already holds `max`
 * connections, with `unavailable` (the client tries again, and may land elsewhere). It
 * counts the connections established in the main namespace; handshakes still under way
 * are not counted, so a burst of simultaneous ones may pass the limit by the few in flight.
 * Filling up and having room again are logged once each, not once a refusal.
 */
export function limitConnections(max: number, log: Log) {
  let full = false;
  return (socket: ChatSocket, next: (error?: Error) => void): void => {
    const held = socket.nsp.sockets.size;
    if (held < max) {
      if (full) log.info(`below ${max} connections again, accepting new ones`);
      full = false;
      next();
      return;
    }
    if (!full) log.error(`holding ${held} connections (MAX_CONNECTIONS_PER_WORKER=${max}), refusing new ones`);
    full = true;
    next(
      new RefusedConnection({
        code: "unavailable",
        message: `this server holds its maximum of ${max} connections; try again later`,
      }, "server_full"),
    );
  };
}
