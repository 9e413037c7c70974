import type { RoomName, UserName } from "@chat/protocol";
import type { RedisCommands } from "../redis/redis-commands.ts";
import type { LuaScript } from "../redis/lua-script.ts";
import { defaultRedisTimeoutMs, guardRequests, type RequestGuard } from "../redis/request-guard.ts";
import { accessScript, createPrivateScript, inviteScript } from "./registry-scripts.ts";
import { privateRoomKeys, userRoomsKey } from "./room-keys.ts";
import type { InviteOutcome, RoomAccess, RoomRegistry } from "./room-registry.ts";

const accessOf: Record<number, RoomAccess> = { 0: "public", 1: "member", 2: "stranger" };
const inviteOutcomeOf: Record<number, InviteOutcome> = { 0: "public", 1: "invited", 2: "stranger" };

/** Private rooms in Redis (see room-keys.ts), shared by every process of every server on one prefix. */
export class RedisRoomRegistry implements RoomRegistry {
  readonly #redis: RedisCommands;
  readonly #prefix: string;
  readonly #ttlMs: string;
  /** Fails fast while Redis is away, and after `timeoutMs` while it hangs, as `unavailable`, like the message store. */
  readonly #guard: RequestGuard;

  /**
   * `idleTtlMs`: how long a private room's keys live after its last change or post (ROOM_IDLE_TTL_SECONDS);
   * `timeoutMs`: how long a request waits for Redis (REDIS_TIMEOUT_MS).
   */
  constructor(
    redis: RedisCommands,
    prefix: string,
    idleTtlMs: number,
    { timeoutMs = defaultRedisTimeoutMs }: { timeoutMs?: number } = {},
  ) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#ttlMs = String(idleTtlMs);
    this.#guard = guardRequests(redis, timeoutMs);
  }

  #run(script: LuaScript, room: RoomName, args: string[]): Promise<unknown> {
    const { marker, members } = privateRoomKeys(this.#prefix, room);
    return this.#guard(() => script.run(this.#redis, [marker, members], args));
  }

  async createPrivate(room: RoomName, owner: UserName): Promise<boolean> {
    const created = Number(await this.#run(createPrivateScript, room, [this.#ttlMs, owner])) === 1;
    if (created) await this.#remember(owner, room);
    return created;
  }

  /**
   * A member's list of their rooms is renewed at each access: a member rejoins at every
   * reconnection, so the list lives as long as the memberships in use.
   */
  async access(room: RoomName, user: UserName): Promise<RoomAccess> {
    const access = await this.#accessNow(room, user);
    if (access === "member") await this.#remember(user, room);
    return access;
  }

  async #accessNow(room: RoomName, user: UserName): Promise<RoomAccess> {
    return accessOf[Number(await this.#run(accessScript, room, [user]))] ?? "stranger";
  }

  async invite(room: RoomName, by: UserName, user: UserName): Promise<InviteOutcome> {
    const outcome = inviteOutcomeOf[Number(await this.#run(inviteScript, room, [this.#ttlMs, by, user]))] ?? "stranger";
    if (outcome === "invited") await this.#remember(user, room);
    return outcome;
  }

  async leave(room: RoomName, user: UserName): Promise<boolean> {
    const { members } = privateRoomKeys(this.#prefix, room);
    const [removed] = await this.#guard(() =>
      Promise.all([this.#redis.sRem(members, user), this.#redis.sRem(userRoomsKey(this.#prefix, user), room)]),
    );
    return removed === 1;
  }

  async roomsOf(user: UserName): Promise<RoomName[]> {
    const key = userRoomsKey(this.#prefix, user);
    const named = await this.#guard(() => this.#redis.sMembers(key));
    const access = await Promise.all(named.map((room) => this.#accessNow(room, user)));
    const stale = named.filter((_, i) => access[i] !== "member");
    // Rooms that expired: forgotten here too, so that the list does not grow with them.
    if (stale.length > 0) await this.#guard(() => this.#redis.sRem(key, stale));
    return named.filter((_, i) => access[i] === "member").sort();
  }

  /** Adds the room to the user's list, which lives as long as their newest membership could. */
  async #remember(user: UserName, room: RoomName): Promise<void> {
    const key = userRoomsKey(this.#prefix, user);
    await this.#guard(() => Promise.all([this.#redis.sAdd(key, room), this.#redis.pExpire(key, Number(this.#ttlMs))]));
  }
}
