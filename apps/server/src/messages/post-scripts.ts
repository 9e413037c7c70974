import { LuaScript } from "../redis/lua-script.ts";
import { luaMessageFunctions, postedFieldCount } from "./message-fields-lua.ts";
import { chatMessageFields, directMessageFields } from "./message-fields.ts";

/*
 * Posting to a room is one Lua script: Redis runs it atomically, so "stored" and
 * "published" cannot be separated by a crash, and Redis publishes a room's messages in the
 * order it assigned their ids. What it publishes is what the sharded Redis adapter publishes
 * for `io.to(room).except(sid).emit(event, message)` (see `LuaPublisher`), with SPUBLISH on
 * the room's own channel `<prefix>#/#room:{<room>}#`, which hashes to the slot of the room's
 * keys. Only workers with members in the room subscribe to that channel, and every one of
 * them, the sender's included, delivers it.
 *
 * A direct message touches two users, whose keys live in two slots: it is two scripts, one
 * in each slot, and its publication (on the namespace's channel, another slot) follows them
 * from the store (see `RedisMessageStore#postDirect`). The messages' fields, stored and
 * published, are those of `message-fields.ts`.
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
  /** The same message as `publish` sends, built here: for what is published from outside a script. */
  encode(room: string, exceptSid: string, event: string, message: unknown): string;
}

export interface PostScripts {
  /**
   * Stores and publishes a batch of posts to one room, in order (one post is a batch of one).
   * KEYS: room log, then each post's dedupe key (all under the room's hash tag).
   * ARGV: log length, dedupe seconds, the room's channel, publisher uid, Socket.IO room, chat room
   * name, then per post: its sender socket id, the digest of its text (`textDigest`), then
   * the fields a chat message's post gives (`postedFieldsOf(chatMessageFields)`: from, text,
   * clientId, '' for none). A dedupe key holds `<id> <digest>`.
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
   * The sender's half of a direct message, in the sender's slot.
   * KEYS: sender's inbox, then, for a post with a clientId, the sender's record of it.
   * ARGV: log length, dedupe seconds, the digest of the text (`textDigest`), then the fields
   * a direct message's post gives (`postedFieldsOf(directMessageFields)`: from, to, text,
   * clientId, '' for none). The record holds `<id> <sentAt> <digest> <to>`, then ` delivered`
   * once the store has published the message.
   * Returns [id in the sender's inbox, 1 if stored now, 0 if stored before with this text and
   * recipient or -1 otherwise (nothing is stored), sentAt in ms, 1 if delivered else 0].
   */
  readonly postDirectSent: LuaScript;
  /**
   * The recipient's half, in the recipient's slot: stores the recipient's copy once.
   * KEYS: recipient's inbox, then, for a post with a clientId, the recipient's record of it.
   * ARGV: log length, dedupe seconds, sentAt in ms (the sender's half's), then the fields as
   * for the sender's half. Returns [id in the recipient's inbox, 1 if stored now else 0].
   */
  readonly postDirectReceived: LuaScript;
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
  publish(ARGV[3], ARGV[4], ARGV[5], lone_sender, 'message:new', fresh_messages[1])
elseif #fresh_messages > 1 then
  -- Keys 1..n and nothing else: the table encodes as an array.
  publish(ARGV[3], ARGV[4], ARGV[5], '', 'message:batch', fresh_messages)
end
return replies
`),
    postDirectSent: new LuaScript(`${sentAt}${luaMessageFunctions("direct", directMessageFields)}
local digest = ARGV[3]
local post = direct_post(4)
if KEYS[2] then
  local seen = redis.call('GET', KEYS[2])
  if seen then
    local id, at, seen_digest, seen_to, delivered = string.match(seen, '^(%S+) (%S+) (%S+) (%S+) ?(%S*)$')
    if seen_digest ~= digest or seen_to ~= post.to then return { id, -1, at, 0 } end
    if delivered ~= '' then return { id, 0, at, 1 } end
    return { id, 0, at, 0 }
  end
end
-- One time for both copies: their ids come from two streams and may differ.
local now = redis.call('TIME')
local at = tostring(tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(direct_entry(post, at)))
if KEYS[2] then redis.call('SET', KEYS[2], id .. ' ' .. at .. ' ' .. digest .. ' ' .. post.to, 'EX', ARGV[2]) end
return { id, 1, at, 0 }
`),
    postDirectReceived: new LuaScript(`${sentAt}${luaMessageFunctions("direct", directMessageFields)}
local post = direct_post(4)
if KEYS[2] then
  local seen = redis.call('GET', KEYS[2])
  if seen then return { seen, 0 } end
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(direct_entry(post, ARGV[3])))
if KEYS[2] then redis.call('SET', KEYS[2], id, 'EX', ARGV[2]) end
return { id, 1 }
`),
  };
}
