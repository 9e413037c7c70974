import { LuaScript } from "../redis/lua-script.ts";

/*
 * Every script takes one private room's keys, KEYS[1] its marker and KEYS[2] its members
 * (one hash tag, one slot), and renews both to live ARGV[1] more milliseconds whenever it
 * changes them, as a post to the room does: a private room's keys never expire before its
 * history, which would otherwise outlive them as a public room.
 */

/** ARGV: ttl ms, owner. Returns 1 if the room is now private with the owner as its member, 0 if it was private already. */
export const createPrivateScript = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1
`);

/** ARGV: ttl ms, inviter, invitee. Returns 1 invited, 0 the room is public, 2 the inviter is no member. */
export const inviteScript = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 0 then return 2 end
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1
`);

/** ARGV: user. Returns 0 public, 1 member, 2 stranger. */
export const accessScript = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return 1 end
return 2
`);
