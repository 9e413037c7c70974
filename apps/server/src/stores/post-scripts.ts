import { LuaScript } from "./lua-script.ts";

/*
 * Posting is one Lua script: Redis runs it atomically, so "stored" and "published" cannot
 * be separated by a crash, and Redis publishes a room's messages in the order it assigned
 * their ids. The published bytes are the Redis adapter's own message format
 * (`[uid, packet, { rooms, except, flags }]` in MessagePack), as any Socket.IO emitter
 * writes it: every worker, the sender's included, delivers the message to its members.
 */

const publish = `
local function publish(channel_prefix, uid, room, except_sid, event, message)
  local except = {}
  if except_sid ~= '' then except = { except_sid } end
  local packet = { type = 2, data = { event, message }, nsp = '/' }
  local opts = { rooms = { room }, except = except, flags = {} }
  redis.call('PUBLISH', channel_prefix .. room .. '#', cmsgpack.pack({ uid, packet, opts }))
end
local function sent_at(id)
  return tonumber(string.match(id, '^(%d+)-'))
end
`;

/**
 * KEYS: room log, dedupe key.
 * ARGV: log length, from, text, clientId ('' for none), dedupe seconds, channel prefix,
 * publisher uid, Socket.IO room, sender socket id, chat room name.
 * Returns [id, 1 if stored (and published) now or 0 if the clientId had been stored before].
 */
export const postToRoomScript = new LuaScript(`${publish}
local client_id = ARGV[4]
local id = false
if client_id ~= '' then id = redis.call('GET', KEYS[2]) end
local fresh = 0
if not id then
  fresh = 1
  if client_id ~= '' then
    id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'from', ARGV[2], 'text', ARGV[3], 'clientId', client_id)
    redis.call('SET', KEYS[2], id, 'EX', ARGV[5])
  else
    id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'from', ARGV[2], 'text', ARGV[3])
  end
end
-- A repeat was published when it was stored (in this same step): publishing it again
-- would only show it twice.
if fresh == 1 then
  local message = { id = id, room = ARGV[10], from = ARGV[2], text = ARGV[3], sentAt = sent_at(id) }
  if client_id ~= '' then message.clientId = client_id end
  publish(ARGV[6], ARGV[7], ARGV[8], ARGV[9], 'message:new', message)
end
return { id, fresh }
`);

/**
 * KEYS: recipient's inbox, sender's inbox (the same key for a note to oneself), dedupe key.
 * ARGV: log length, from, to, text, clientId ('' for none), dedupe seconds, channel prefix,
 * publisher uid, recipient's Socket.IO room, sender's Socket.IO room, sender socket id.
 * Returns [id in the sender's inbox, 1 if stored now or 0 if stored before, sentAt in ms].
 */
export const postDirectScript = new LuaScript(`${publish}
local client_id = ARGV[5]
local to_id, from_id, at = false, false, false
local fresh = 0
if client_id ~= '' then
  local seen = redis.call('GET', KEYS[3])
  if seen then to_id, from_id, at = string.match(seen, '^(%S+) (%S+) (%S+)$') end
end
if not to_id then
  fresh = 1
  -- One time for both copies: their ids come from two streams and may differ.
  local now = redis.call('TIME')
  at = tostring(tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))
  local fields = { 'from', ARGV[2], 'to', ARGV[3], 'text', ARGV[4], 'sentAt', at }
  if client_id ~= '' then
    table.insert(fields, 'clientId')
    table.insert(fields, client_id)
  end
  to_id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(fields))
  if KEYS[2] == KEYS[1] then
    from_id = to_id
  else
    from_id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', unpack(fields))
  end
  if client_id ~= '' then redis.call('SET', KEYS[3], to_id .. ' ' .. from_id .. ' ' .. at, 'EX', ARGV[6]) end
end
local function message(id)
  local m = { id = id, from = ARGV[2], to = ARGV[3], text = ARGV[4], sentAt = tonumber(at) }
  if client_id ~= '' then m.clientId = client_id end
  return m
end
if fresh == 1 then
  if KEYS[2] ~= KEYS[1] then
    publish(ARGV[7], ARGV[8], ARGV[9], '', 'dm:new', message(to_id))
  end
  publish(ARGV[7], ARGV[8], ARGV[10], ARGV[11], 'dm:new', message(from_id))
end
return { from_id, fresh, at }
`);
