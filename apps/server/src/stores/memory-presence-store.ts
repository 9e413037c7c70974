import type { UserName } from "@chat/protocol";
import type { PresenceScope, PresenceSession, PresenceStore } from "./presence-store.ts";

/** Presence for the single process: nothing can die behind its back, so nothing expires. */
export class MemoryPresenceStore implements PresenceStore {
  /** scope -> user -> socket ids */
  readonly #scopes = new Map<PresenceScope, Map<UserName, Set<string>>>();

  async enter({ scope, user, socketId }: PresenceSession): Promise<boolean> {
    const users = this.#scopes.get(scope) ?? new Map<UserName, Set<string>>();
    this.#scopes.set(scope, users);
    const sessions = users.get(user) ?? new Set<string>();
    users.set(user, sessions);
    const first = sessions.size === 0;
    sessions.add(socketId);
    return first;
  }

  async leave({ scope, user, socketId }: PresenceSession): Promise<boolean> {
    const sessions = this.#scopes.get(scope)?.get(user);
    if (sessions === undefined || !sessions.delete(socketId)) return false;
    if (sessions.size > 0) return false;
    this.#scopes.get(scope)?.delete(user);
    return true;
  }

  async list(scope: PresenceScope): Promise<UserName[]> {
    return [...(this.#scopes.get(scope)?.keys() ?? [])].sort();
  }

  async isPresent(scope: PresenceScope, user: UserName): Promise<boolean> {
    return (this.#scopes.get(scope)?.get(user)?.size ?? 0) > 0;
  }

  async refresh(): Promise<void> {}

  async sweep(): Promise<{ scope: PresenceScope; user: UserName }[]> {
    return [];
  }
}
