import type { UserName } from "@chat/protocol";
import type { RedisClientType } from "redis";
import { Batches } from "./batches.ts";
import { changeScript, refreshScript, sweepScript } from "./presence-scripts.ts";
import {
  presenceTtlMs,
  type PresenceExpiry,
  type PresenceScope,
  type PresenceSession,
  type PresenceShift,
  type PresenceStore,
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

/** Keys outlive their last refresh by this long, so that abandoned ones disappear. */
const keyTtlMs = String(presenceTtlMs * 4);

/**
 * Sessions refreshed by one script call: enough that a process with tens of thousands of
 * sessions needs few round trips, few enough that no call holds Redis up for long (each
 * session is three commands inside the script).
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
 * Presence shared by every process through Redis; see presence-scripts.ts for the keys.
 *
 * Arrivals and departures go out in one queue, in the order they were made: those made in
 * one go (a connection enters the service and the lobby) travel together, at once when
 * nothing was sent in the last `changeGapMs`; those made while a call is on its way, or
 * within that gap, wait for it, then go together in the next. A storm of connections costs
 * a call every `changeGapMs` rather than two for each connection, and a session's departure
 * never reaches Redis before its arrival.
 */
export class RedisPresenceStore implements PresenceStore {
  readonly #redis: RedisClientType;
  readonly #keyPrefix: string;
  readonly #scopesKey: string;
  readonly #calls: Batches<"changes", Change[], PresenceShift[]>;
  /** The changes made so far in this run of code, sent as one item once it ends. */
  #current: { changes: Change[]; shifts: Promise<PresenceShift[]> } | undefined;

  constructor(redis: RedisClientType, prefix: string) {
    this.#redis = redis;
    this.#keyPrefix = `${prefix}:presence:`;
    this.#scopesKey = `${prefix}:presence-scopes`;
    this.#calls = new Batches((_, groups) => this.#send(groups), {
      maxItems: Number.POSITIVE_INFINITY,
      maxWeight: changeBatchSize,
      weigh: (changes) => changes.length,
      gapMs: changeGapMs,
    });
  }

  #usersKey = (scope: PresenceScope) => `${this.#keyPrefix}${scope}`;

  /** One script call for the groups of changes given; each group gets its own shifts back. */
  async #send(groups: Change[][]): Promise<PresenceShift[][]> {
    const now = Date.now();
    const args = [String(now), String(now + presenceTtlMs), keyTtlMs, this.#keyPrefix];
    for (const changes of groups) {
      for (const { kind, session } of changes) args.push(kind, session.scope, session.user, session.socketId);
    }
    const shifts = shiftsOf(await changeScript.run(this.#redis, [this.#scopesKey], args));
    let at = 0;
    return groups.map((changes) => shifts.slice(at, (at += changes.length)));
  }

  async #change(change: Change): Promise<PresenceShift> {
    if (this.#current === undefined) {
      const changes: Change[] = [];
      const shifts = new Promise<void>((resolve) => queueMicrotask(resolve)).then(() => {
        this.#current = undefined;
        return this.#calls.submit("changes", changes);
      });
      this.#current = { changes, shifts };
    }
    const { changes, shifts } = this.#current;
    const index = changes.push(change) - 1;
    const shift = (await shifts)[index];
    if (shift === undefined) throw new Error("the presence script answered fewer changes than it was given");
    return shift;
  }

  enter(session: PresenceSession): Promise<PresenceShift> {
    return this.#change({ kind: "+", session });
  }

  leave(session: PresenceSession): Promise<PresenceShift> {
    return this.#change({ kind: "-", session });
  }

  async list(scope: PresenceScope): Promise<UserName[]> {
    const users = await this.#redis.zRangeByScore(this.#usersKey(scope), `(${Date.now()}`, "+inf");
    return users.sort();
  }

  async isPresent(scope: PresenceScope, user: UserName): Promise<boolean> {
    const expiry = await this.#redis.zScore(this.#usersKey(scope), user);
    return expiry !== null && expiry > Date.now();
  }

  /**
   * One script call per `refreshChunkSessions` sessions, one after the other: the sessions are
   * read from `sessions` as each call is made, so that only one call's worth is held at a time.
   */
  async refresh(sessions: Iterable<PresenceSession>): Promise<void> {
    let args: string[] = [];
    const send = async () => {
      const head = [String(Date.now() + presenceTtlMs), keyTtlMs, this.#keyPrefix];
      await refreshScript.run(this.#redis, [this.#scopesKey], head.concat(args));
      args = [];
    };
    for (const { scope, user, socketId } of sessions) {
      args.push(scope, user, socketId);
      if (args.length >= refreshChunkSessions * 3) await send();
    }
    if (args.length > 0) await send();
  }

  async sweep(): Promise<PresenceExpiry[]> {
    const flat = (await sweepScript.run(this.#redis, [this.#scopesKey], [String(Date.now()), this.#keyPrefix])) as (string | number)[];
    const gone: PresenceExpiry[] = [];
    for (let i = 0; i + 2 < flat.length; i += 3) {
      gone.push({ scope: String(flat[i]), user: String(flat[i + 1]), usersAfter: Number(flat[i + 2]) });
    }
    return gone;
  }
}
