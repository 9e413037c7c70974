import { defaultRoom, fail, ok } from "@chat/protocol";
import type { ChatDeps } from "../app/chat-deps.ts";
import { roomOf } from "../app/rooms.ts";
import type { Act } from "./define-handler.ts";
import { overRoomQuota } from "./room-admission.ts";
import { enterRoom, overRoomsPerConnection } from "./room-join.ts";

/**
 * `room:create`: a room no one uses yet (no history, no one in it, not private), counted
 * against the user's rooms for the day, then joined. A private room admits its creator and
 * whoever its members invite.
 */
export const roomCreate =
  (deps: ChatDeps): Act<"room:create"> =>
  async (socket, { room, private: invitesOnly = false }) => {
    const { rooms, messages, presence, roomQuota } = deps;
    const user = socket.data.name;
    const tooMany = overRoomsPerConnection(socket, room);
    if (tooMany !== undefined) return tooMany;
    const taken = fail("room_exists", `room ${room} already exists; /join it instead`);
    if (room === defaultRoom) return taken;
    const [access, stored, present] = await Promise.all([
      rooms.access(room, user),
      messages.hasRoom(room),
      presence.list(roomOf(room)),
    ]);
    if (access !== "public" || stored || present.length > 0) return taken;
    if (!(await roomQuota.claim(user, room))) return overRoomQuota(room);
    if (invitesOnly && !(await rooms.createPrivate(room, user))) return taken;
    return ok(await enterRoom(deps, socket, room, undefined));
  };
