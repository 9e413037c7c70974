import { LuaScript } from "../redis/lua-script.ts";

/*
 * Presence keys: `<prefix>:presence:<scope>` is a sorted set of users scored by when their
 * latest session expires; `<prefix>:presence:<scope>:<user>` holds that user's sessions
 * scored the same way; `<prefix>:presence-scopes` lists the scopes to sweep. Each change is
 * made inside a script, so two sessions of one user on two workers cannot both be "first"
 * or "last".
 */

/*
 * Entering and leaving also count the scope's users afterwards, in the same script: the
 * count belongs to this change, whatever else happens at once, and costs no round trip.
 * It counts the users still alive (scored after now), as `presence:who` lists them, not
 * those expired and not yet swept.
 */

/**
 * KEYS: scopes. ARGV: now, expiry, key ttl, key prefix (`<prefix>:presence:`), then four a
 * change: `+` (enter) or `-` (leave), scope, user, socket id. The changes are made in the
 * order given, as if each were a call of its own, and each returns two numbers: 1 when it
 * is news (the user's first live session in the scope, or the last one out), else 0; and
 * the users present after it. One call carries the arrivals and departures that queued
 * while the previous one was on its way (see RedisPresenceStore); the users key of a scope
 * entered, and its place among the scopes, are touched once however many entered it.
 */
export const changeScript = new LuaScript(`
local now, expiry, ttl, prefix = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local shifts = {}
local entered = {}
for i = 5, #ARGV - 3, 4 do
  local scope, user, socket_id = ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local users_key = prefix .. scope
  local sessions_key = users_key .. ':' .. user
  local news = 0
  if ARGV[i] == '+' then
    local before = redis.call('ZSCORE', users_key, user)
    if not (before and tonumber(before) > tonumber(now)) then news = 1 end
    redis.call('ZADD', sessions_key, expiry, socket_id)
    redis.call('PEXPIRE', sessions_key, ttl)
    redis.call('ZADD', users_key, 'GT', expiry, user)
    entered[scope] = users_key
  else
    redis.call('ZREM', sessions_key, socket_id)
    redis.call('ZREMRANGEBYSCORE', sessions_key, '-inf', now)
    local latest = redis.call('ZRANGE', sessions_key, -1, -1, 'WITHSCORES')
    if #latest == 0 then
      redis.call('DEL', sessions_key)
      news = redis.call('ZREM', users_key, user)
    else
      redis.call('ZADD', users_key, 'XX', latest[2], user)
    end
  end
  table.insert(shifts, news)
  table.insert(shifts, redis.call('ZCOUNT', users_key, '(' .. now, '+inf'))
end
for scope, users_key in pairs(entered) do
  redis.call('PEXPIRE', users_key, ttl)
  redis.call('SADD', KEYS[1], scope)
end
return shifts
`);

/**
 * KEYS: scopes. ARGV: expiry, key ttl, key prefix (`<prefix>:presence:`), then one triple a
 * session: scope, user, socket id. Extends every session given, as entering would
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

/**
 * KEYS: the user's sessions in the whole service (`<prefix>:presence:online:<user>`).
 * ARGV: now, expiry, key ttl, most sessions, socket id.
 * Forgets the user's expired sessions, then adds this one if the user holds fewer than the
 * most: returns -1 when added, else how many the user holds. One script, so that two
 * handshakes of one user on two workers cannot both take the last place. The session added
 * is the one `enter` adds next for the online scope (the same member): the count is of
 * sessions that are alive, refreshed and expiring as presence keeps them.
 */
export const admitScript = new LuaScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local held = redis.call('ZCARD', KEYS[1])
if held >= tonumber(ARGV[4]) then return held end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return -1
`);
