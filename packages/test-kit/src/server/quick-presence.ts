/**
 * Presence that expires in seconds rather than the server's default 15 s, for tests that wait
 * for a dead process's users to be swept: its sessions live `ttlMs` after its last refresh,
 * and the live processes sweep every `refreshMs`, so those users are gone within 5 s. The
 * TTL is four refreshes, so that a refresh late on a busy machine does not have a live
 * process taken for dead.
 */
export const quickPresence = { ttlMs: 4000, refreshMs: 1000 } as const;

/** `quickPresence` as the server's settings, PRESENCE_TTL_MS and PRESENCE_REFRESH_MS. */
export const quickPresenceEnv: Readonly<Record<string, string>> = {
  PRESENCE_TTL_MS: String(quickPresence.ttlMs),
  PRESENCE_REFRESH_MS: String(quickPresence.refreshMs),
};
