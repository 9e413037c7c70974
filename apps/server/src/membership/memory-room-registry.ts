import type { RoomName, UserName } from "@chat/protocol";
import type { InviteOutcome, RoomAccess, RoomRegistry } from "./room-registry.ts";

/**
 * Private rooms for the single process, kept as long as the process runs: a room's name
 * stays private even once its history has expired, so that no one else can take it over.
 */
export class MemoryRoomRegistry implements RoomRegistry {
  /** private room -> its members */
  readonly #members = new Map<RoomName, Set<UserName>>();

  async createPrivate(room: RoomName, owner: UserName): Promise<boolean> {
    if (this.#members.has(room)) return false;
    this.#members.set(room, new Set([owner]));
    return true;
  }

  async access(room: RoomName, user: UserName): Promise<RoomAccess> {
    const members = this.#members.get(room);
    if (members === undefined) return "public";
    return members.has(user) ? "member" : "stranger";
  }

  async invite(room: RoomName, by: UserName, user: UserName): Promise<InviteOutcome> {
    const members = this.#members.get(room);
    if (members === undefined) return "public";
    if (!members.has(by)) return "stranger";
    members.add(user);
    return "invited";
  }

  async leave(room: RoomName, user: UserName): Promise<boolean> {
    return this.#members.get(room)?.delete(user) ?? false;
  }

  async roomsOf(user: UserName): Promise<RoomName[]> {
    return [...this.#members].flatMap(([room, members]) => (members.has(user) ? [room] : [])).sort();
  }
}
