import type { ChatSocket } from "../app/chat-socket.ts";
import { RefusedConnection } from "../auth/refused-connection.ts";
import type { Log } from "../logging/log.ts";
import { onlineScope, type PresenceStore } from "../presence/presence-store.ts";

/**
 * A Socket.IO middleware that refuses a handshake when its user already holds `max`
 * connections over every worker and host, with `unavailable` and a message that says so.
 * The count is the presence store's sessions of the user in the whole service, which
 * are swept when their worker stops refreshing them: a worker that dies takes its
 * connections off the count within PRESENCE_TTL_MS and PRESENCE_REFRESH_MS (20 s by default).
 *
 * While the store cannot answer (Redis away), the handshake goes on: the limit is a guard
 * against abuse, and refusing everyone then would be worse than the abuse.
 */
export function limitUserConnections(max: number, presence: Pick<PresenceStore, "admit" | "leave">, log: Log) {
  let failing = false;
  return (socket: ChatSocket, next: (error?: Error) => void): void => {
    const user = socket.data.name;
    presence.admit(user, socket.id, max).then(
      (admission) => {
        failing = false;
        if (admission.admitted) {
          next();
          // Socket.IO connects the socket on the next tick, or drops it if the client left
          // meanwhile (or a later middleware refused it): then no departure will ever give
          // its place back, so it is given back here.
          setImmediate(() => {
            if (!socket.connected) void presence.leave({ scope: onlineScope, user, socketId: socket.id }).catch(() => undefined);
          });
          return;
        }
        next(
          new RefusedConnection(
            {
              code: "unavailable",
              message: `user ${user} already holds the most connections allowed to one user (${max}); close one and try again`,
            },
            "user_connections",
          ),
        );
      },
      (error: unknown) => {
        if (!failing) log.error(`could not count the connections of user ${user}; admitting without the limit`, error);
        failing = true;
        next();
      },
    );
  };
}
