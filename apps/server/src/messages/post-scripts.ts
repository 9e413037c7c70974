import { LuaScript } from "../redis/lua-script.ts";
import { luaMessageFunctions, postedFieldCount } from "./message-fields-lua.ts";
import { chatMessageFields, directMessageFields } from "./message-fields.ts";

/*
 * Posting is one Lua script: Redis runs it atomically, so "stored" and "published" cannot
 * be separated by a crash, and Redis publishes a room's messages in the order it assigned
 * their ids. What it publishes is what the sharded Redis adapter publishes for
 * `io.to(room).except(sid).emit(event, message)` (see `LuaPublisher`), with SPUBLISH on the
 * room's own channel `<prefix>#/#<room>#`. Only workers with members in the room subscribe
 * to that channel, and every one of them, the sender's included, delivers it. A direct
 * message goes to its users' rooms, which have no channel of their own (see
 * `seams/room-adapter.ts`): it is published on the namespace's channel `<prefix>#/#`.
 * The messages' fields, stored and published, are those of `message-fields.ts`.
 */

/**
 * How a posting script publishes to the sharded adapter, whose wire format this store does
 * not know: the app passes it in (`seams/adapter-envelope.ts`).
 */
export interface LuaPublisher {
  /**
   * Lua source defining `local function publish(channel, uid, room, except_sid, event, message)`,
   * which SPUBLISHes on `channel` the adapter's message delivering `event` with `message` (any
   * value cjson encodes) to the Socket.IO room `room`, except the socket `except_sid` ('' for none).
   */
  readonly luaSource: string;
  /** The uid the publications carry: no worker's, so that every worker delivers them. */
  readonly uid: string;
}

export interface PostScripts {
  /**
   * Stores and publishes a batch of posts to one room, in order (one post is a batch of one).
   * KEYS: room log, then each post's dedupe key.
   * ARGV: log length, dedupe seconds, channel prefix, publisher uid, Socket.IO room, chat room
   * name, then per post: its sender socket id, the digest of its text (`textDigest`), then
   * the fields a chat message's post gives (`postedFieldsOf(chatMessageFields)`: from, text,
   * clientId, '' for none). A dedupe key holds `<id> <digest>` (a key written before digests
   * were kept holds the id alone, and matches any text).
   * Returns, per post in order, its id and 1 if stored (and published) now, 0 if the clientId
   * had been stored before with this text, or -1 if with other text (nothing is stored):
   * [id1, fresh1, id2, fresh2, ...].
   *
   * The fresh messages go out in one publication: a lone one as `message:new`, not sent back
   * to its sender's connection; two or more as one `message:batch` (an array, in id order),
   * which every member gets, the senders included, since one frame cannot leave out a
   * different connection per message.
   */
  readonly postToRoom: LuaScript;
  /**
   * KEYS: recipient's inbox, sender's inbox (the same key for a note to oneself), dedupe key.
   * ARGV: log length, dedupe seconds, channel prefix (`<prefix>#/#`, which is the namespace's
   * channel), publisher uid, recipient's Socket.IO room, sender's Socket.IO room, sender
   * socket id, the digest of the text (`textDigest`), then the fields a direct message's post
   * gives (`postedFieldsOf(directMessageFields)`: from, to, text, clientId, '' for none). The
   * dedupe key holds `<recipient's id> <sender's id> <sentAt> <digest>`.
   * Returns [id in the sender's inbox, 1 if stored now, 0 if stored before with this text or
   * -1 with other text (nothing is stored), sentAt in ms].
   */
  readonly postDirect: LuaScript;
}

const sentAt = `
local function sent_at(id)
  return tonumber(string.match(id, '^(%d+)-'))
end
`;

/** The posting scripts, publishing with `publisher`; built once, run by their digests. */
export function postScripts(publisher: LuaPublisher): PostScripts {
  const common = `${publisher.luaSource}${sentAt}`;
  return {
    postToRoom: new LuaScript(`${common}${luaMessageFunctions("room", chatMessageFields)}
local first_post = 7
local fields_per_post = ${postedFieldCount(chatMessageFields) + 2}
local fresh_messages = {}
local lone_sender = ''
local replies = {}
for i = 1, (#ARGV - first_post + 1) / fields_per_post do
  local at = first_post + (i - 1) * fields_per_post
  local sender, digest = ARGV[at], ARGV[at + 1]
  local post = room_post(at + 2)
  local client_id = post.clientId
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
    id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(room_entry(post, nil)))
    if client_id ~= '' then redis.call('SET', dedupe, id .. ' ' .. digest, 'EX', ARGV[2]) end
    fresh_messages[#fresh_messages + 1] = room_message(id, post, ARGV[6], nil)
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
`),
    postDirect: new LuaScript(`${common}${luaMessageFunctions("direct", directMessageFields)}
local digest = ARGV[8]
local post = direct_post(9)
local client_id = post.clientId
local to_id, from_id, at = false, false, false
local fresh = 0
if client_id ~= '' then
  local seen = redis.call('GET', KEYS[3])
  if seen then
    local seen_digest
    to_id, from_id, at, seen_digest = string.match(seen, '^(%S+) (%S+) (%S+) ?(%S*)$')
    if seen_digest ~= '' and seen_digest ~= digest then return { from_id, -1, at } end
  end
end
if not to_id then
  fresh = 1
  -- One time for both copies: their ids come from two streams and may differ.
  local now = redis.call('TIME')
  at = tostring(tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))
  local entry = direct_entry(post, at)
  to_id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(entry))
  if KEYS[2] == KEYS[1] then
    from_id = to_id
  else
    from_id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '*', unpack(entry))
  end
  if client_id ~= '' then redis.call('SET', KEYS[3], to_id .. ' ' .. from_id .. ' ' .. at .. ' ' .. digest, 'EX', ARGV[2]) end
end
if fresh == 1 then
  if KEYS[2] ~= KEYS[1] then
    publish(ARGV[3], ARGV[4], ARGV[5], '', 'dm:new', direct_message(to_id, post, nil, at))
  end
  publish(ARGV[3], ARGV[4], ARGV[6], ARGV[7], 'dm:new', direct_message(from_id, post, nil, at))
end
return { from_id, fresh, at }
`),
  };
}
