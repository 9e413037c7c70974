import type { RoomName, UserName } from "@chat/protocol";

/**
 * How many rooms each user may bring into existence per day (MAX_ROOMS_PER_USER_PER_DAY):
 * a claim names the room, and claiming one room twice in a day counts once, so that a
 * client rejoining an empty room after a reconnect is not charged again. Days are UTC.
 */
export interface RoomQuota {
  /** Counts `room` as created by `user` today; false, counting nothing, if the day's allowance is used up. */
  claim(user: UserName, room: RoomName): Promise<boolean>;
}

/** The UTC day a time falls on, `2026-12-07`: what a day's count is keyed by. */
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The single process's counts: today's only, since yesterday's no longer matter. */
export class MemoryRoomQuota implements RoomQuota {
  readonly #perDay: number;
  readonly #now: () => number;
  #day = "";
  readonly #claimed = new Map<UserName, Set<RoomName>>();

  constructor(perDay: number, now: () => number = Date.now) {
    this.#perDay = perDay;
    this.#now = now;
  }

  async claim(user: UserName, room: RoomName): Promise<boolean> {
    const day = dayOf(this.#now());
    if (day !== this.#day) {
      this.#day = day;
      this.#claimed.clear();
    }
    const rooms = this.#claimed.get(user) ?? new Set<RoomName>();
    if (rooms.has(room)) return true;
    if (rooms.size >= this.#perDay) return false;
    rooms.add(room);
    this.#claimed.set(user, rooms);
    return true;
  }
}
