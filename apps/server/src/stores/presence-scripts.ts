import { LuaScript } from "./lua-script.ts";

/*
 * Presence keys: `<prefix>:presence:<scope>` is a sorted set of users scored by when their
 * latest session expires; `<prefix>:presence:<scope>:<user>` holds that user's sessions
 * scored the same way; `<prefix>:presence-scopes` lists the scopes to sweep. Each change is
 * one script, so two sessions of one user on two workers cannot both be "first" or "last".
 */

/*
 * Entering and leaving also count the scope's users afterwards, in the same script: the
 * count belongs to this change, whatever else happens at once, and costs no round trip.
 * It counts the users still alive (scored after now), as `presence:who` lists them, not
 * those expired and not yet swept.
 */

/**
 * KEYS: scope users, user sessions, scopes. ARGV: now, expiry, user, socket id, scope, key ttl.
 * Returns [1 when the user was not present before, else 0; users present after].
 */
export const enterScript = new LuaScript(`
local before = redis.call('ZSCORE', KEYS[1], ARGV[3])
local was_present = before and tonumber(before) > tonumber(ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('SADD', KEYS[3], ARGV[5])
local users = redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[1], '+inf')
if was_present then return {0, users} end
return {1, users}
`);

/**
 * KEYS: scope users, user sessions. ARGV: now, user, socket id.
 * Returns [1 when this removed the user's last live session, else 0; users present after].
 */
export const leaveScript = new LuaScript(`
redis.call('ZREM', KEYS[2], ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
local latest = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
local last = 0
if #latest == 0 then
  redis.call('DEL', KEYS[2])
  last = redis.call('ZREM', KEYS[1], ARGV[2])
else
  redis.call('ZADD', KEYS[1], 'XX', latest[2], ARGV[2])
end
return {last, redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[1], '+inf')}
`);

/**
 * KEYS: scopes. ARGV: expiry, key ttl, key prefix (`<prefix>:presence:`), then one triple a
 * session: scope, user, socket id. Extends every session given, as `enterScript` would
 * without telling who is new: one call for many sessions, so that keeping thousands alive
 * costs a few round trips rather than several commands each. A scope's users key and its
 * place among the scopes are touched once however many of its sessions are given. As in the
 * sweep, the keys of each scope and user are derived from the prefix here.
 */
export const refreshScript = new LuaScript(`
local expiry, ttl, prefix = ARGV[1], ARGV[2], ARGV[3]
local scopes = {}
for i = 4, #ARGV - 2, 3 do
  local scope, user = ARGV[i], ARGV[i + 1]
  local users_key = prefix .. scope
  local sessions_key = users_key .. ':' .. user
  redis.call('ZADD', sessions_key, expiry, ARGV[i + 2])
  redis.call('PEXPIRE', sessions_key, ttl)
  redis.call('ZADD', users_key, 'GT', expiry, user)
  scopes[scope] = users_key
end
for scope, users_key in pairs(scopes) do
  redis.call('PEXPIRE', users_key, ttl)
  redis.call('SADD', KEYS[1], scope)
end
return 0
`);

/**
 * KEYS: scopes. ARGV: now, key prefix (`<prefix>:presence:`).
 * Removes every user whose sessions all expired; returns [scope, user, users after, scope,
 * user, users after, ...]. A scope's expired users are counted off one at a time from the
 * scope's size, so each is told with the users left once it went, as if they had left one
 * after the other: a scope that shrinks from many to few announces only the last few.
 */
export const sweepScript = new LuaScript(`
local gone = {}
for _, scope in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local users_key = ARGV[2] .. scope
  local users = redis.call('ZCARD', users_key)
  for _, user in ipairs(redis.call('ZRANGEBYSCORE', users_key, '-inf', ARGV[1])) do
    redis.call('ZREM', users_key, user)
    redis.call('DEL', users_key .. ':' .. user)
    users = users - 1
    table.insert(gone, scope)
    table.insert(gone, user)
    table.insert(gone, users)
  end
  if users == 0 then redis.call('SREM', KEYS[1], scope) end
end
return gone
`);
