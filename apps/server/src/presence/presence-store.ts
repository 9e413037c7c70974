import type { UserName } from "@chat/protocol";

/**
 * A place users can be present in: a Socket.IO room name (`room:{lobby}`) or `online` for
 * the whole service.
 */
export type PresenceScope = string;

export const onlineScope: PresenceScope = "online";

export interface PresenceSession {
  scope: PresenceScope;
  user: UserName;
  socketId: string;
}

/**
 * What one session entering or leaving did to its scope, counted in the same step as the
 * change itself, so that two changes at once cannot both see the same count.
 */
export interface PresenceShift {
  /** The user arrived (first session in the scope) or went (last session out of it). */
  news: boolean;
  /** How many users are present in the scope after the change. */
  usersAfter: number;
}

/** A user whose sessions in a scope all died with their process, and how many users the scope kept after them. */
export interface PresenceExpiry {
  scope: PresenceScope;
  user: UserName;
  usersAfter: number;
}

/** A connection's place among its user's: taken, or refused because the user holds `held` already. */
export type Admission = { admitted: true } | { admitted: false; held: number };

/**
 * Who is where, across every process. A user is present in a scope while at least one of
 * their sessions is; a process keeps its sessions alive by `refresh`, so the sessions of a
 * process that dies without a word are swept `ttlMs` (PresenceTiming) after its last
 * refresh, at the next sweep of any other process.
 */
export interface PresenceStore {
  /** How often the keeper refreshes this store and sweeps through it (PRESENCE_REFRESH_MS). */
  readonly refreshMs: number;
  /** Adds the session; news when the user was not present in the scope before. */
  enter(session: PresenceSession): Promise<PresenceShift>;
  /**
   * Adds `socketId` to the user's sessions in the whole service (`online`) if the user holds
   * fewer than `max` live ones; `enter` for the same session follows, and `leave` ends it.
   */
  admit(user: UserName, socketId: string, max: number): Promise<Admission>;
  /** Removes the session; news when it was the user's last one in the scope. */
  leave(session: PresenceSession): Promise<PresenceShift>;
  /** The users present in the scope, each once, sorted. */
  list(scope: PresenceScope): Promise<UserName[]>;
  isPresent(scope: PresenceScope, user: UserName): Promise<boolean>;
  /**
   * Keeps this process's sessions alive. `sessions` are all of its live sessions, read only
   * when the store must enter them again (Redis lost them), as they are sent, so that a
   * process need not list all of them at once.
   */
  refresh(sessions: Iterable<PresenceSession>): Promise<void>;
  /**
   * Forgets the sessions of processes that stopped refreshing, and returns the users left
   * with none in a scope; each one is returned to exactly one caller across the cluster, so
   * that only one "left" notice goes out.
   * Those of one scope are counted off one by one: each one's `usersAfter` is what the
   * scope held once it, and those before it in the list, were gone.
   */
  sweep(): Promise<PresenceExpiry[]>;
}

/** How presence is kept: PRESENCE_TTL_MS and PRESENCE_REFRESH_MS. */
export interface PresenceTiming {
  /** How long a process's sessions live without a refresh: with `refreshMs`, the bound on a dead process's users being shown. */
  ttlMs: number;
  /** How often each process refreshes its sessions and sweeps expired ones; less than `ttlMs`. */
  refreshMs: number;
}

/** PRESENCE_TTL_MS unset: 15 s. */
export const defaultPresenceTtlMs = 15_000;

/** PRESENCE_REFRESH_MS unset: 5 s. */
export const defaultPresenceRefreshMs = 5_000;
