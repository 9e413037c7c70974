import { randomBytes } from "node:crypto";
import type { UserName } from "@chat/protocol";
import type { RedisCommands } from "../redis/redis-commands.ts";
import { Batches } from "../redis/batches.ts";
import { defaultRedisTimeoutMs, guardRequests, withDeadline, type RequestGuard } from "../redis/request-guard.ts";
import { admitScript, beatScript, changeScript, sweepScript } from "./presence-scripts.ts";
import { processesKey, processScopesKey, scopeSessionsKey, scopeUsersKey } from "./presence-keys.ts";
import { StoreUnavailableError } from "../messages/message-store.ts";
import {
  defaultPresenceRefreshMs,
  defaultPresenceTtlMs,
  onlineScope,
  type Admission,
  type PresenceExpiry,
  type PresenceScope,
  type PresenceSession,
  type PresenceShift,
  type PresenceStore,
  type PresenceTiming,
} from "./presence-store.ts";

/** One arrival (`+`) or departure (`-`), as the change script takes it. */
interface Change {
  kind: "+" | "-";
  session: PresenceSession;
}

/** The change script's reply, two numbers a change: 1 if news else 0, users after. */
const shiftsOf = (reply: unknown): PresenceShift[] => {
  const flat = reply as number[];
  const shifts: PresenceShift[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) shifts.push({ news: flat[i] === 1, usersAfter: Number(flat[i + 1]) });
  return shifts;
};

/**
 * Sessions entered again by one script call when Redis lost this process's (see `refresh`):
 * many in few round trips, few enough that no call holds Redis up for long.
 */
export const refreshChunkSessions = 1000;

/** Arrivals and departures sent in one script call at most. */
export const changeBatchSize = 500;

/**
 * The least time between two presence script calls of a process: a storm of connections
 * costs a call every so often rather than one a connection, and a notice of an arrival is
 * late by that much at most.
 */
export const changeGapMs = 20;

/**
 * How long after Redis comes back presence may still lack sessions: a Redis that restarted
 * forgot them, and each process enters its own again at its next refresh (every
 * `refreshMs`). Meanwhile, reads that could be wrong for want of them (who is there; that
 * someone is not) are answered `unavailable`.
 */
export const presenceSettleMs = (refreshMs: number): number => 2 * refreshMs;

const newProcessId = (): string => randomBytes(6).toString("hex");

/**
 * Presence shared by every process through Redis; see presence-scripts.ts for the layout.
 *
 * Each process has an id of its own in the list of processes, and beats there once per
 * refresh interval, whatever it holds: one call, which also names the processes whose beat
 * lapsed (`ttlMs` ago); their sessions are swept scope by scope. A process that
 * finds itself missing from the list (Redis restarted, or it was taken for dead while it
 * stalled) takes a new id and enters all its sessions again.
 *
 * Arrivals and departures go out in one queue, in the order they were made: those made in
 * one go (a connection enters the service and the lobby) travel together, at once when
 * nothing was sent in the last `changeGapMs`; those made while a call is on its way, or
 * within that gap, wait for it, then go together in the next, one script call per scope.
 * A storm of connections costs a few calls every `changeGapMs` rather than two for each
 * connection, and a session's departure never reaches Redis before its arrival.
 */
export class RedisPresenceStore implements PresenceStore {
  readonly #redis: RedisCommands;
  readonly #prefix: string;
  readonly #changes: Batches<"changes", Change, PresenceShift>;
  readonly #guard: RequestGuard;
  readonly #timeoutMs: number;
  readonly #ttlMs: number;
  readonly refreshMs: number;
  #process = newProcessId();
  /** Whether this process is in the list of processes (its first session put it there). */
  #listed = false;
  /** The scopes this process's id has entered sessions in, as its list of scopes says. */
  readonly #scopes = new Set<PresenceScope>();
  /** The processes found dead by the last beat, for the next sweep. */
  #dead: string[] | undefined;
  /** Until then, Redis is back from an outage and presence not yet rebuilt (see `presenceSettleMs`). */
  #settlingUntil = 0;

  /**
   * `timeoutMs`: how long a request waits for Redis before it is answered `unavailable`
   * (REDIS_TIMEOUT_MS); `ttlMs` and `refreshMs`: PRESENCE_TTL_MS and PRESENCE_REFRESH_MS, the
   * same in every process (the keeper refreshes this store every `refreshMs`).
   */
  constructor(
    redis: RedisCommands,
    prefix: string,
    {
      timeoutMs = defaultRedisTimeoutMs,
      ttlMs = defaultPresenceTtlMs,
      refreshMs = defaultPresenceRefreshMs,
    }: { timeoutMs?: number } & Partial<PresenceTiming> = {},
  ) {
    this.#redis = redis;
    this.#timeoutMs = timeoutMs;
    this.#ttlMs = ttlMs;
    this.refreshMs = refreshMs;
    this.#guard = guardRequests(redis, timeoutMs);
    // The client is connected by now: each "ready" from here on is a return after an outage.
    redis.on("ready", () => {
      this.#settlingUntil = Date.now() + presenceSettleMs(refreshMs);
    });
    this.#prefix = prefix;
    this.#changes = new Batches((_, changes) => this.#send(changes), {
      maxItems: changeBatchSize,
      maxWeight: Number.POSITIVE_INFINITY,
      weigh: () => 1,
      gapMs: changeGapMs,
      together: true,
    });
  }

  #usersKey = (scope: PresenceScope) => scopeUsersKey(this.#prefix, scope);

  /**
   * Before this process's first session in a scope: the scope goes in its list of scopes,
   * and the process in the list of processes, so that whoever finds it dead finds its
   * sessions. Done first, so that no session is ever stored where no sweep would find it.
   */
  async #register(scopes: Iterable<PresenceScope>): Promise<void> {
    const fresh = [...new Set(scopes)].filter((scope) => !this.#scopes.has(scope));
    if (fresh.length === 0 && this.#listed) return;
    const process = this.#process;
    await Promise.all([
      ...(this.#listed ? [] : [this.#redis.zAdd(processesKey(this.#prefix), { score: Date.now() + this.#ttlMs, value: process }, { NX: true })]),
      ...(fresh.length === 0 ? [] : [this.#redis.sAdd(processScopesKey(this.#prefix, process), fresh)]),
    ]);
    this.#listed = true;
    for (const scope of fresh) this.#scopes.add(scope);
  }

  /** One script call per scope for the changes given, in order; each gets its own shift back. */
  async #send(changes: Change[]): Promise<PresenceShift[]> {
    // Not refused while Redis is away: node-redis sends the changes once it is back, in order.
    // Bounded, so that a hung Redis holds neither the changes queued behind nor a `room:join`.
    return withDeadline(this.#apply(changes), this.#timeoutMs);
  }

  async #apply(changes: Change[]): Promise<PresenceShift[]> {
    const byScope = new Map<PresenceScope, number[]>();
    changes.forEach(({ session }, i) => byScope.set(session.scope, [...(byScope.get(session.scope) ?? []), i]));
    await this.#register(byScope.keys());
    const shifts: PresenceShift[] = [];
    const process = this.#process;
    await Promise.all(
      [...byScope].map(async ([scope, indexes]) => {
        const args = indexes.flatMap((i) => {
          const { kind, session } = changes[i] as Change;
          return [kind, session.user, session.socketId];
        });
        const keys = [this.#usersKey(scope), scopeSessionsKey(this.#prefix, scope, process)];
        const replied = shiftsOf(await changeScript.run(this.#redis, keys, args));
        indexes.forEach((index, j) => {
          shifts[index] = replied[j] as PresenceShift;
        });
      }),
    );
    return shifts;
  }

  enter(session: PresenceSession): Promise<PresenceShift> {
    return this.#changes.submit("changes", { kind: "+", session });
  }

  /** Straight to Redis, not through the queue of changes: the handshake waits for the answer. */
  async admit(user: UserName, socketId: string, max: number): Promise<Admission> {
    // Rather than wait in the client's queue for Redis to come back, with the handshake.
    if (!this.#redis.isReady) throw new Error("Redis is not ready");
    const reply = await withDeadline(
      (async () => {
        await this.#register([onlineScope]);
        const keys = [this.#usersKey(onlineScope), scopeSessionsKey(this.#prefix, onlineScope, this.#process)];
        return admitScript.run(this.#redis, keys, [user, socketId, String(max)]);
      })(),
      this.#timeoutMs,
    );
    return reply === -1 ? { admitted: true } : { admitted: false, held: Number(reply) };
  }

  leave(session: PresenceSession): Promise<PresenceShift> {
    return this.#changes.submit("changes", { kind: "-", session });
  }

  async list(scope: PresenceScope): Promise<UserName[]> {
    this.#refuseWhileSettling();
    const users = await this.#guard(() => this.#redis.zRange(this.#usersKey(scope), 0, -1));
    return users.sort();
  }

  async isPresent(scope: PresenceScope, user: UserName): Promise<boolean> {
    const sessions = await this.#guard(() => this.#redis.zScore(this.#usersKey(scope), user));
    const present = sessions !== null && sessions > 0;
    // Present is sure; absent, just after Redis came back, may only be not entered again yet.
    if (!present) this.#refuseWhileSettling();
    return present;
  }

  #refuseWhileSettling(): void {
    if (Date.now() < this.#settlingUntil) {
      throw new StoreUnavailableError(new Error("presence is being rebuilt since Redis came back"));
    }
  }

  /**
   * This process's beat: one call, whatever it holds. `sessions` (all of this process's live
   * ones) are read only when the beat finds the process missing from the list: then it takes
   * a new id and enters them again, `refreshChunkSessions` a call per scope.
   */
  async refresh(sessions: Iterable<PresenceSession>): Promise<void> {
    const now = Date.now();
    const reply = (await beatScript.run(this.#redis, [processesKey(this.#prefix)], [String(now), String(now + this.#ttlMs), this.#process])) as (
      | string
      | number
    )[];
    const [added, ...dead] = reply;
    this.#dead = dead.map(String).filter((process) => process !== this.#process);
    if (added !== 1 || !this.#listed) {
      this.#listed = true;
      return;
    }
    const lost = this.#process;
    this.#process = newProcessId();
    this.#listed = false;
    this.#scopes.clear();
    await this.#redis.zRem(processesKey(this.#prefix), lost);
    let chunk: Change[] = [];
    for (const session of sessions) {
      chunk.push({ kind: "+", session });
      if (chunk.length >= refreshChunkSessions) {
        await this.#apply(chunk);
        chunk = [];
      }
    }
    if (chunk.length > 0) await this.#apply(chunk);
    // Listed under the new id even with no session: its next beat is no loss.
    await this.#register([]);
  }

  /**
   * Sweeps the sessions of the processes the last beat found dead (or that are dead now,
   * when this process has not beaten yet), scope by scope, then forgets those processes.
   */
  async sweep(): Promise<PresenceExpiry[]> {
    const dead =
      this.#dead ?? (await this.#redis.zRangeByScore(processesKey(this.#prefix), "-inf", Date.now())).filter((process) => process !== this.#process);
    this.#dead = undefined;
    const gone: PresenceExpiry[] = [];
    for (const process of dead) {
      const scopesKey = processScopesKey(this.#prefix, process);
      for (const scope of await this.#redis.sMembers(scopesKey)) {
        const keys = [this.#usersKey(scope), scopeSessionsKey(this.#prefix, scope, process)];
        const flat = (await sweepScript.run(this.#redis, keys, [])) as (string | number)[];
        for (let i = 0; i + 1 < flat.length; i += 2) gone.push({ scope, user: String(flat[i]), usersAfter: Number(flat[i + 1]) });
      }
      await this.#redis.del(scopesKey);
      await this.#redis.zRem(processesKey(this.#prefix), process);
    }
    return gone;
  }
}
