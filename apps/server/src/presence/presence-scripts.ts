import { LuaScript } from "../redis/lua-script.ts";

/*
 * Presence in Redis (keys: presence-keys.ts). A scope holds its users, each scored by its
 * sessions there, and one hash per process of that process's sessions there. A session is
 * alive while its process is: each process beats once per refresh interval in the list of
 * processes, and the sessions of a process whose beat has lapsed are swept, scope by scope,
 * by whichever process sees it first. Each script reads and changes the keys of one scope
 * (one slot), all given in KEYS, so two sessions of one user on two processes cannot both
 * be "first" or "last".
 */

/*
 * Entering and leaving also count the scope's users afterwards, in the same script: the
 * count belongs to this change, whatever else happens at once, and costs no round trip.
 */

/**
 * KEYS: the scope's users, this process's sessions in the scope. ARGV: three a change: `+`
 * (enter) or `-` (leave), user, socket id. The changes are made in the order given, as if
 * each were a call of its own, and each returns two numbers: 1 when it is news (the user's
 * first session in the scope, or the last one out), else 0; and the users present after
 * it. One call carries the changes to one scope that queued while the previous call was on
 * its way (see RedisPresenceStore).
 */
export const changeScript = new LuaScript(`
local shifts = {}
for i = 1, #ARGV - 2, 3 do
  local user, socket_id = ARGV[i + 1], ARGV[i + 2]
  local news = 0
  if ARGV[i] == '+' then
    if redis.call('HSETNX', KEYS[2], socket_id, user) == 1 then
      if tonumber(redis.call('ZINCRBY', KEYS[1], 1, user)) == 1 then news = 1 end
    end
  elseif redis.call('HGET', KEYS[2], socket_id) == user then
    redis.call('HDEL', KEYS[2], socket_id)
    if tonumber(redis.call('ZINCRBY', KEYS[1], -1, user)) <= 0 then
      redis.call('ZREM', KEYS[1], user)
      news = 1
    end
  end
  table.insert(shifts, news)
  table.insert(shifts, redis.call('ZCARD', KEYS[1]))
end
return shifts
`);

/**
 * KEYS: the list of processes. ARGV: now, this process's next deadline, this process.
 * This process's beat: pushes its deadline on, and returns [1 if the list did not hold it
 * (Redis lost it, or it was taken for dead and swept), then the processes whose deadline
 * has passed]. The one call a process makes per refresh interval when nothing happens.
 */
export const beatScript = new LuaScript(`
local added = redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
table.insert(dead, 1, added)
return dead
`);

/**
 * KEYS: the scope's users, a dead process's sessions in the scope. Removes those sessions;
 * returns [user, users after, user, users after, ...] for each user who had no other session
 * there. The users are counted off one at a time from the scope's size, as if they had left
 * one after the other: a scope that shrinks from many to few announces only the last few.
 * Run twice (two processes sweeping at once), the second finds nothing: each user is told once.
 */
export const sweepScript = new LuaScript(`
local gone = {}
local sessions = redis.call('HGETALL', KEYS[2])
redis.call('DEL', KEYS[2])
local users = redis.call('ZCARD', KEYS[1])
for i = 2, #sessions, 2 do
  local user = sessions[i]
  if tonumber(redis.call('ZINCRBY', KEYS[1], -1, user)) <= 0 then
    redis.call('ZREM', KEYS[1], user)
    users = users - 1
    table.insert(gone, user)
    table.insert(gone, users)
  end
end
return gone
`);

/**
 * KEYS: the users of the whole service (`online`), this process's sessions there.
 * ARGV: user, socket id, most sessions.
 * Enters the session in the whole service if the user holds fewer than the most there:
 * returns -1 when entered (or already there), else how many the user holds. One script, so
 * that two handshakes of one user on two processes cannot both take the last place. The
 * `enter` of the same session that follows finds it there.
 */
export const admitScript = new LuaScript(`
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return -1 end
local held = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]) or '0')
if held >= tonumber(ARGV[3]) then return held end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZINCRBY', KEYS[1], 1, ARGV[1])
return -1
`);
