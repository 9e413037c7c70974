import type { UserName } from "@chat/protocol";

/**
 * A place users can be present in: a Socket.IO room name (`room:lobby`) or `online` for
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
 * Who is where, across every process. A user is present in a scope while at least one of
 * their sessions is; sessions are kept alive by `refresh`, so the sessions of a process
 * that dies without a word expire on their own after `presenceTtlMs`.
 */
export interface PresenceStore {
  /** Adds the session; true when the user was not present in the scope before. */
  enter(session: PresenceSession): Promise<boolean>;
  /** Removes the session; true when it was the user's last one in the scope. */
  leave(session: PresenceSession): Promise<boolean>;
  /** The users present in the scope, each once, sorted. */
  list(scope: PresenceScope): Promise<UserName[]>;
  isPresent(scope: PresenceScope, user: UserName): Promise<boolean>;
  /** Extends the life of every session given (all of this process's live sessions). */
  refresh(sessions: PresenceSession[]): Promise<void>;
  /**
   * Forgets users whose sessions have all expired and returns them; each one is returned
   * to exactly one caller across the cluster, so that only one "left" notice goes out.
   */
  sweep(): Promise<{ scope: PresenceScope; user: UserName }[]>;
}

/** How long a session lives without a refresh: the bound on a dead process's users being shown. */
export const presenceTtlMs = 15_000;

/** How often each process refreshes its sessions and sweeps expired ones. */
export const presenceRefreshMs = 5_000;
