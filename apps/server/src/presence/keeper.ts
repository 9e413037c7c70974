import type { ChatServer } from "../app/chat-socket.ts";
import type { Log } from "../logging/log.ts";
import { announced } from "./notices.ts";
import { chatRoomOf } from "../app/rooms.ts";
import { onlineScope, type PresenceSession, type PresenceStore } from "./presence-store.ts";

/**
 * This process's sessions: one in the whole service per connection, one per chat room it is
 * in. Walked as the store reads them, a batch at a time, rather than gathered first, and
 * read only when the store needs them (Redis lost them): a connection gone by the time the
 * walk comes to it is skipped, so no refresh brings back a session whose departure is
 * already recorded.
 */
function* sessionsOf(io: ChatServer): Generator<PresenceSession> {
  for (const socket of io.of("/").sockets.values()) {
    const user = socket.data.name;
    if (socket.connected) yield { scope: onlineScope, user, socketId: socket.id };
    for (const socketRoom of socket.rooms) {
      if (socket.connected && chatRoomOf(socketRoom) !== undefined) yield { scope: socketRoom, user, socketId: socket.id };
    }
  }
}

/**
 * Keeps this process's sessions alive in the presence store and announces the users of
 * processes that died: every `presence.refreshMs` (PRESENCE_REFRESH_MS), refresh (the
 * process's beat), then sweep.
 */
export function keepPresence(io: ChatServer, presence: PresenceStore, log: Log): () => void {
  let failing = false;
  // A tick that outlasts the interval (Redis slow or away) is not joined by another.
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await presence.refresh(sessionsOf(io));
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
  const timer = setInterval(() => void tick(), presence.refreshMs);
  timer.unref();
  return () => clearInterval(timer);
}
