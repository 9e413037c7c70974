import type { ChatServer } from "../app/chat-socket.ts";
import type { Log } from "../logging/log.ts";
import { announced } from "./notices.ts";
import { chatRoomOf } from "../app/rooms.ts";
import { onlineScope, presenceRefreshMs, type PresenceSession, type PresenceStore } from "./presence-store.ts";

/**
 * This process's sessions: one in the whole service per connection, one per chat room it is
 * in. Walked as the store reads them, a batch at a time, rather than gathered first: a tick
 * holds a batch's worth, not one object per session of the process. Each batch is read and
 * sent in one go, so a departure recorded after it reaches Redis after it too; a connection
 * gone by the time the walk comes back to it is skipped, so no refresh brings back a session
 * whose departure is already recorded.
 *
 * Connections made after `connectedAfter` are left to the next tick: their sessions were
 * entered since, and live `presenceTtlMs` from then, longer than the wait for that tick. A
 * storm of connections is not refreshed as it arrives.
 */
function* sessionsOf(io: ChatServer, connectedAfter: number): Generator<PresenceSession> {
  for (const socket of io.of("/").sockets.values()) {
    if (socket.handshake.issued > connectedAfter) continue;
    const user = socket.data.name;
    if (socket.connected) yield { scope: onlineScope, user, socketId: socket.id };
    for (const socketRoom of socket.rooms) {
      if (socket.connected && chatRoomOf(socketRoom) !== undefined) yield { scope: socketRoom, user, socketId: socket.id };
    }
  }
}

/**
 * Keeps this process's sessions alive in the presence store and announces the users of
 * processes that died: every `presenceRefreshMs`, refresh, then sweep.
 */
export function keepPresence(io: ChatServer, presence: PresenceStore, log: Log): () => void {
  let failing = false;
  // A tick that outlasts the interval (Redis slow or away) is not joined by another.
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await presence.refresh(sessionsOf(io, Date.now() - presenceRefreshMs));
      for (const { scope, user, usersAfter } of await presence.sweep()) {
        const room = chatRoomOf(scope);
        // A swept user had no session left there: always news; only the room's size decides.
        if (room !== undefined && announced({ news: true, usersAfter }, "departure")) {
          io.to(scope).emit("presence:left", { room, user });
        }
      }
      failing = false;
    } catch (error) {
      if (!failing) log.error("could not refresh presence", error);
      failing = true;
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), presenceRefreshMs);
  timer.unref();
  return () => clearInterval(timer);
}
