import type { ChatServer } from "./chat-socket.ts";
import type { Log } from "./log.ts";
import { chatRoomOf, chatRoomsOf, roomOf } from "./rooms.ts";
import { onlineScope, presenceRefreshMs, type PresenceSession, type PresenceStore } from "./stores/presence-store.ts";

/**
 * Keeps this process's sessions alive in the presence store and announces the users of
 * processes that died: every `presenceRefreshMs`, refresh, then sweep.
 */
export function keepPresence(io: ChatServer, presence: PresenceStore, log: Log): () => void {
  let failing = false;
  const tick = async () => {
    const sessions: PresenceSession[] = [];
    for (const socket of io.of("/").sockets.values()) {
      const user = socket.data.name;
      sessions.push({ scope: onlineScope, user, socketId: socket.id });
      for (const room of chatRoomsOf(socket.rooms)) sessions.push({ scope: roomOf(room), user, socketId: socket.id });
    }
    try {
      await presence.refresh(sessions);
      for (const { scope, user } of await presence.sweep()) {
        const room = chatRoomOf(scope);
        if (room !== undefined) io.to(scope).emit("presence:left", { room, user });
      }
      failing = false;
    } catch (error) {
      if (!failing) log.error("could not refresh presence", error);
      failing = true;
    }
  };
  const timer = setInterval(() => void tick(), presenceRefreshMs);
  timer.unref();
  return () => clearInterval(timer);
}
