import type { PresenceScope } from "./presence-store.ts";

/*
 * Presence keys. A scope's keys carry the scope's hash tag: a chat room's scope is its
 * Socket.IO room (`room:{lobby}`), whose tag is the room's; any other scope (`online`) is
 * its own tag. So every script reads and changes one scope, in one slot of a Redis Cluster.
 * A process's own keys carry the process's tag (`{w:<process>}`), and the list of live
 * processes has a key of its own.
 */

const tagged = (scope: PresenceScope): string => (scope.includes("{") ? scope : `{${scope}}`);

/** The users present in a scope, a sorted set scored by how many sessions each holds there. */
export const scopeUsersKey = (prefix: string, scope: PresenceScope): string => `${prefix}:presence:${tagged(scope)}:users`;

/** One process's sessions in a scope, a hash of socket id to user. */
export const scopeSessionsKey = (prefix: string, scope: PresenceScope, process: string): string =>
  `${prefix}:presence:${tagged(scope)}:sessions:${process}`;

/** The scopes a process has entered sessions in, a set: what to sweep once it is dead. */
export const processScopesKey = (prefix: string, process: string): string => `${prefix}:presence:{w:${process}}:scopes`;

/** The processes holding sessions, a sorted set scored by when each is dead without a heartbeat. */
export const processesKey = (prefix: string): string => `${prefix}:presence:{processes}`;
