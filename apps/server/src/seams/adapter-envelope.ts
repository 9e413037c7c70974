/*
 * Seam: the sharded Redis adapter's wire message, written by our own Lua scripts.
 * Tied to @socket.io/redis-adapter 8.3.x (its sharded adapter's JSON encoding and channels),
 * socket.io-adapter 2.5.x (ClusterAdapter's `MessageType.BROADCAST` and `encodeOptions`),
 * and socket.io-parser 4.x (`PacketType.EVENT`), none of which export this format.
 * Canary: test/seams/adapter-envelope.test.ts.
 */
import * as z from "zod";

/** ClusterAdapter's `MessageType.BROADCAST`. */
const broadcastType = 3;
/** socket.io-parser's `PacketType.EVENT`. */
const eventPacketType = 2;
/** The only namespace this server has. */
const namespace = "/";

/**
 * The uid the adapter sees on posted messages: no worker has it (each adapter skips only the
 * messages carrying its own), so every worker subscribed to the channel delivers them, the
 * sender's included.
 */
const publisherUid = "chat-store";

/*
 * The JSON is put together around cjson rather than by it: cjson writes an empty table as
 * `{}`, while `except` must stay an array and `flags` an object. `message` is whatever value
 * the script passes (one message or an array of them), sent as the event's single argument;
 * cjson keeps 14 significant digits of a number, enough for a time in milliseconds. The keys
 * come in the order the adapter's own `JSON.stringify` writes them.
 */
const luaSource = `
local function publish(channel, uid, room, except_sid, event, message)
  local except = ''
  if except_sid ~= '' then except = cjson.encode(except_sid) end
  local broadcast = '{"type":${broadcastType},"data":{"packet":{"type":${eventPacketType},"data":['
    .. cjson.encode(event) .. ',' .. cjson.encode(message)
    .. ']},"opts":{"rooms":[' .. cjson.encode(room) .. '],"except":[' .. except .. '],"flags":{}}},"uid":'
    .. cjson.encode(uid) .. ',"nsp":${JSON.stringify(namespace)}}'
  redis.call('SPUBLISH', channel, broadcast)
end
`;

/**
 * The same message as the Lua `publish` sends, built in TypeScript, for a publication made
 * outside a script (a direct message's, see the message store). Written key by key in the
 * adapter's order, as the Lua one is.
 */
function encode(room: string, exceptSid: string, event: string, message: unknown): string {
  return `{"type":${broadcastType},"data":{"packet":{"type":${eventPacketType},"data":[${JSON.stringify(event)},${JSON.stringify(
    message,
  )}]},"opts":{"rooms":[${JSON.stringify(room)}],"except":[${exceptSid === "" ? "" : JSON.stringify(exceptSid)}],"flags":{}}},"uid":${JSON.stringify(
    publisherUid,
  )},"nsp":${JSON.stringify(namespace)}}`;
}

/**
 * What the sharded adapter publishes for `io.to(room).except(sid).emit(event, argument)`,
 * written by a Lua script: a ClusterAdapter BROADCAST of an EVENT packet, in JSON as the
 * adapter writes it when nothing is binary. Given to the message store, which builds its
 * posting scripts around `luaSource` (it defines
 * `publish(channel, uid, room, except_sid, event, message)`; `except_sid` '' for none) and
 * passes `uid` to them; `encode` builds the same message outside a script.
 */
export const adapterEnvelope = { luaSource, uid: publisherUid, encode } as const;

/** One publication, as every adapter subscribed to its channel decodes it. */
export const AdapterBroadcast = z.strictObject({
  type: z.literal(broadcastType),
  data: z.strictObject({
    packet: z.strictObject({
      type: z.literal(eventPacketType),
      /** The event's name, then its arguments. */
      data: z.tuple([z.string()], z.unknown()),
    }),
    opts: z.strictObject({
      rooms: z.array(z.string()),
      except: z.array(z.string()),
      flags: z.record(z.string(), z.unknown()),
    }),
  }),
  uid: z.string(),
  nsp: z.string(),
});
export type AdapterBroadcast = z.infer<typeof AdapterBroadcast>;

/** Reads a publication's bytes; throws when they are not a BROADCAST of an event in JSON. */
export function decodeAdapterBroadcast(payload: Buffer | string): AdapterBroadcast {
  return AdapterBroadcast.parse(JSON.parse(payload.toString()));
}
