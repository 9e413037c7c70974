import type { UserName } from "@chat/protocol";
import {
  defaultPresenceRefreshMs,
  onlineScope,
  type Admission,
  type PresenceExpiry,
  type PresenceScope,
  type PresenceSession,
  type PresenceShift,
  type PresenceStore,
} from "./presence-store.ts";

/** Presence for the single process: nothing can die behind its back, so nothing expires. */
export class MemoryPresenceStore implements PresenceStore {
  /** One process: nothing to refresh or sweep, so the keeper's ticks cost nothing whatever this is. */
  readonly refreshMs = defaultPresenceRefreshMs;
  /** scope -> user -> socket ids */
  readonly #scopes = new Map<PresenceScope, Map<UserName, Set<string>>>();

  async enter({ scope, user, socketId }: PresenceSession): Promise<PresenceShift> {
    const users = this.#scopes.get(scope) ?? new Map<UserName, Set<string>>();
    this.#scopes.set(scope, users);
    const sessions = users.get(user) ?? new Set<string>();
    users.set(user, sessions);
    const first = sessions.size === 0;
    sessions.add(socketId);
    return { news: first, usersAfter: users.size };
  }

  async admit(user: UserName, socketId: string, max: number): Promise<Admission> {
    const held = this.#scopes.get(onlineScope)?.get(user)?.size ?? 0;
    if (held >= max) return { admitted: false, held };
    await this.enter({ scope: onlineScope, user, socketId });
    return { admitted: true };
  }

  async leave({ scope, user, socketId }: PresenceSession): Promise<PresenceShift> {
    const users = this.#scopes.get(scope);
    const sessions = users?.get(user);
    const last = sessions !== undefined && sessions.delete(socketId) && sessions.size === 0;
    if (last) users?.delete(user);
    return { news: last, usersAfter: users?.size ?? 0 };
  }

  async list(scope: PresenceScope): Promise<UserName[]> {
    return [...(this.#scopes.get(scope)?.keys() ?? [])].sort();
  }

  async isPresent(scope: PresenceScope, user: UserName): Promise<boolean> {
    return (this.#scopes.get(scope)?.get(user)?.size ?? 0) > 0;
  }

  async refresh(): Promise<void> {}

  async sweep(): Promise<PresenceExpiry[]> {
    return [];
  }
}
