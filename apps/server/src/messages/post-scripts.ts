import { LuaScript } from "../redis/lua-script.ts";

/*
 * Posting is one Lua script: Redis runs it atomically, so "stored" and "published" cannot
 * be separated by a crash, and Redis publishes a room's messages in the order it assigned
 * their ids. What it publishes is exactly what the sharded Redis adapter publishes for
 * `io.to(room).except(sid).emit(event, message)`: a ClusterAdapter BROADCAST (type 3) of an
 * EVENT packet (type 2), in JSON as the adapter writes it when nothing is binary, with
 * SPUBLISH on the room's own channel `<prefix>#/#<room>#`. Only workers with members in the
 * room subscribe to that channel, and every one of them, the sender's included, delivers it:
 * the uid is no worker's, and the adapter skips only messages carrying its own. A direct
 * message goes to its users' rooms, which have no channel of their own (see
 * `room-adapter.ts`): it is published on the namespace's channel `<prefix>#/#`.
 */

// The JSON is put together around cjson rather than by it: cjson writes an empty table as
// `{}`, while `except` must stay an array and `flags` an object. `message` is whatever value
// the script passes (one message or an array of them), sent as the event's single argument;
// cjson keeps 14 significant digits of a number, enough for a time in milliseconds.
const publish = `
local function publish(channel, uid, room, except_sid, event, message)
  local except = ''
  if except_sid ~= '' then except = cjson.encode(except_sid) end
  local broadcast = '{"type":3,"data":{"packet":{"type":2,"data":['
    .. cjson.encode(event) .. ',' .. cjson.encode(message)
    .. ']},"opts":{"rooms":[' .. cjson.encode(room) .. '],"except":[' .. except .. '],"flags":{}}},"uid":'
    .. cjson.encode(uid) .. ',"nsp":"/"}'
  redis.call('SPUBLISH', channel, broadcast)
end
local function sent_at(id)
  return tonumber(string.match(id, '^(%d+)-'))
end
`;

/**
 * Stores and publishes a batch of posts to one room, in order (one post is a batch of one).
 * KEYS: room log, then each post's dedupe key.
 * ARGV: log length, dedupe seconds, channel prefix, publisher uid, Socket.IO room, chat room
 * name, then five per post: from, text, clientId ('' for none), sender socket id, digest of
 * the text. A dedupe key holds `<id> <digest>` (a key written before digests were kept holds
 * the id alone, and matches any text).
 * Returns, per post in order, its id and 1 if stored (and published) now, 0 if the clientId
 * had been stored before with this text, or -1 if with other text (nothing is stored):
 * [id1, fresh1, id2, fresh2, ...].
 *
 * The fresh messages go out in one publication: a lone one as `message:new`, not sent back to
 * its sender's connection; two or more as one `message:batch` (an array, in id order), which
 * every member gets, the senders included, since one frame cannot leave out a different
 * connection per message.
 */
export const postToRoomScript = new LuaScript(`${publish}
local fields_per_post = 5
local first_post = 7
local fresh_messages = {}
local lone_sender = ''
local replies = {}
for i = 1, (#ARGV - first_post + 1) / fields_per_post do
  local at = first_post + (i - 1) * fields_per_post
  local from, text, client_id, sender, digest = ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3], ARGV[at + 4]
  local dedupe = KEYS[i + 1]
  -- An earlier post of this same batch may have stored this clientId already.
  local seen = false
  if client_id ~= '' then seen = redis.call('GET', dedupe) end
  local id = false
  local fresh = 0
  if seen then
    local seen_digest
    id, seen_digest = string.match(seen, '^(%S+) ?(%S*)$')
    if seen_digest ~= '' and seen_digest ~= digest then fresh = -1 end
  else
    fresh = 1
    if client_id ~= '' then
      id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'from', from, 'text', text, 'clientId', client_id)
      redis.call('SET', dedupe, id .. ' ' .. digest, 'EX', ARGV[2])
    else
      id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'from', from, 'text', text)
    end
    -- String keys only, so the message encodes as an object; clientId only when given.
    local message = { id = id, room = ARGV[6], from = from, text = text, sentAt = sent_at(id) }
    if client_id ~= '' then message.clientId = client_id end
    fresh_messages[#fresh_messages + 1] = message
    lone_sender = sender
  end
  replies[#replies + 1] = id
  replies[#replies + 1] = fresh
end
-- A repeat was published when it was stored (in that same step): publishing it again
-- would only show it twice.
if #fresh_messages == 1 then
  publish(ARGV[3] .. ARGV[5] .. '#', ARGV[4], ARGV[5], lone_sender, 'message:new', fresh_messages[1])
elseif #fresh_messages > 1 then
  -- Keys 1..n and nothing else: the table encodes as an array.
  publish(ARGV[3] .. ARGV[5] .. '#', ARGV[4], ARGV[5], '', 'message:batch', fresh_messages)
end
return replies
`);

/**
 * KEYS: recipient's inbox, sender's inbox (the same key for a note to oneself), dedupe key.
 * ARGV: log length, from, to, text, clientId ('' for none), dedupe seconds, channel prefix
 * (`<prefix>#/#`, which is the namespace's channel), publisher uid, recipient's Socket.IO room, sender's Socket.IO room, sender socket id,
 * digest of the text. The dedupe key holds `<recipient's id> <sender's id> <sentAt> <digest>`.
 * Returns [id in the sender's inbox, 1 if stored now, 0 if stored before with this text or
 * -1 with other text (nothing is stored), sentAt in ms].
 */
export const postDirectScript = new LuaScript(`${publish}
local client_id = ARGV[5]
local to_id, from_id, at = false, false, false
local fresh = 0
if client_id ~= '' then
  local seen = redis.call('GET', KEYS[3])
  if seen then
    local seen_digest
    to_id, from_id, at, seen_digest = string.match(seen, '^(%S+) (%S+) (%S+) ?(%S*)$')
    if seen_digest ~= '' and seen_digest ~= ARGV[12] then return { from_id, -1, at } end
  end
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
  if client_id ~= '' then redis.call('SET', KEYS[3], to_id .. ' ' .. from_id .. ' ' .. at .. ' ' .. ARGV[12], 'EX', ARGV[6]) end
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
