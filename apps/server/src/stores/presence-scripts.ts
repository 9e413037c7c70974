import { LuaScript } from "./lua-script.ts";

/*
 * Presence keys: `<prefix>:presence:<scope>` is a sorted set of users scored by when their
 * latest session expires; `<prefix>:presence:<scope>:<user>` holds that user's sessions
 * scored the same way; `<prefix>:presence-scopes` lists the scopes to sweep. Each change is
 * one script, so two sessions of one user on two workers cannot both be "first" or "last".
 */

/**
 * KEYS: scope users, user sessions, scopes. ARGV: now, expiry, user, socket id, scope, key ttl.
 * Returns 1 when the user was not present before.
 */
export const enterScript = new LuaScript(`
local before = redis.call('ZSCORE', KEYS[1], ARGV[3])
local was_present = before and tonumber(before) > tonumber(ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('SADD', KEYS[3], ARGV[5])
if was_present then return 0 end
return 1
`);

/**
 * KEYS: scope users, user sessions. ARGV: now, user, socket id.
 * Returns 1 when this removed the user's last live session.
 */
export const leaveScript = new LuaScript(`
redis.call('ZREM', KEYS[2], ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
local latest = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
if #latest == 0 then
  redis.call('DEL', KEYS[2])
  return redis.call('ZREM', KEYS[1], ARGV[2])
end
redis.call('ZADD', KEYS[1], 'XX', latest[2], ARGV[2])
return 0
`);

/**
 * KEYS: scopes. ARGV: now, key prefix (`<prefix>:presence:`).
 * Removes every user whose sessions all expired; returns [scope, user, scope, user, ...].
 */
export const sweepScript = new LuaScript(`
local gone = {}
for _, scope in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local users_key = ARGV[2] .. scope
  for _, user in ipairs(redis.call('ZRANGEBYSCORE', users_key, '-inf', ARGV[1])) do
    redis.call('ZREM', users_key, user)
    redis.call('DEL', users_key .. ':' .. user)
    table.insert(gone, scope)
    table.insert(gone, user)
  end
  if redis.call('ZCARD', users_key) == 0 then redis.call('SREM', KEYS[1], scope) end
end
return gone
`);
