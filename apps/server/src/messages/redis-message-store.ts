import { compareMessageIds, limits, type ChatMessage, type ClientId, type DirectMessage, type RoomName, type UserName } from "@chat/protocol";
import type { RedisCommands } from "../redis/redis-commands.ts";
import { roomOf, userRoomOf } from "../app/rooms.ts";
import { Batches, type BatchBounds } from "../redis/batches.ts";
import type { LuaScript } from "../redis/lua-script.ts";
import { defaultRedisTimeoutMs, guardRequests, withDeadline, type RequestGuard } from "../redis/request-guard.ts";
import {
  ClientIdReusedError,
  dedupeSeconds,
  defaultRetention,
  fitPage,
  logLength,
  oldestKeptId,
  sentAtOf,
  textDigest,
  type Retention,
  type DirectPost,
  type MessageStore,
  type Page,
  type Posted,
  type Range,
  type RoomPost,
} from "./message-store.ts";
import { chatMessageFields, directMessageFields, messageOf, postedFieldsOf, type FieldValues } from "./message-fields.ts";
import { directReceivedKey, directSentKey, inboxKey, roomDedupeKey, roomLogKey } from "./message-keys.ts";
import { postScripts, type LuaPublisher, type PostScripts } from "./post-scripts.ts";

const firstPossibleId = "0-0";
const lastPossibleId = "18446744073709551615-18446744073709551615";
/**
 * Entries a page's first read asks for (or fewer, when fewer are asked): `pageMaxBytes` holds
 * ten of the longest lines (2000 three-byte characters), and one more tells that there is
 * more, so that a page of them is one read; a page of short lines takes a second.
 */
const firstReadCount = 16;

const roomPostFields = postedFieldsOf<ChatMessage>(chatMessageFields);
const directPostFields = postedFieldsOf<DirectMessage>(directMessageFields);

/** A post's fields as a script takes them, in the order `fields` lists them ('' for none). */
const argumentsOf = <Message>(post: FieldValues<Message>, fields: readonly (keyof Message & string)[]): string[] =>
  fields.map((field) => String(post[field] ?? ""));

type Entry = { id: string; message: Record<string, string> };

/** A room post's answer from the script: its post, or the post that took its clientId with other text. */
type RoomPosted = Posted & { reused: boolean };

/**
 * A batch of posts holds at most `limits.batchMaxLength` messages and 64 KiB of text (UTF-8):
 * with the rest of each message its frame stays under 100 kB, the most a client may send by
 * default (MAX_PAYLOAD_BYTES). No post is too large to go alone.
 */
const roomBatchBounds: BatchBounds<RoomPost> = {
  maxItems: limits.batchMaxLength,
  maxWeight: 64 * 1024,
  weigh: (post) => Buffer.byteLength(post.text),
};

/** What a Redis message store keeps, and which other keys live and die with a room. */
export interface RedisMessageStoreOptions {
  retention?: Retention;
  /** Keys that must live as long as a room's history (a private room's members): renewed with it at each post. */
  roomCompanions?: (room: RoomName) => string[];
  /** How long a request waits for Redis before it is answered `unavailable` (REDIS_TIMEOUT_MS). */
  timeoutMs?: number;
  /**
   * Run after a post's script, with the script's first key, before the post is answered:
   * `replicaWait` (REDIS_WAIT_REPLICAS). Throws `StoreUnavailableError` to answer `unavailable`.
   */
  replicated?: (key: string) => Promise<void>;
}

/**
 * Rooms and inboxes as Redis streams (`<prefix>:room:{<room>}:log`, `<prefix>:user:{<user>}:inbox`,
 * see `message-keys.ts`), so a stream's ids are its messages' ids.
 */
export class RedisMessageStore implements MessageStore {
  readonly #redis: RedisCommands;
  readonly #prefix: string;
  readonly #channelPrefix: string;
  readonly #scripts: PostScripts;
  readonly #publisher: LuaPublisher;
  readonly #retention: Retention;
  readonly #roomCompanions: (room: RoomName) => string[];
  /**
   * Posts to one room from this process: while one is in flight, the next ones wait and then
   * go in one script call, stored in the order they were made and published in one packet,
   * so that a busy room costs each member one frame per batch rather than one per message.
   */
  readonly #roomPosts = new Batches<RoomName, RoomPost, RoomPosted>(
    (room, posts) => this.#postBatch(room, posts),
    roomBatchBounds,
  );
  readonly #guard: RequestGuard;
  readonly #timeoutMs: number;
  readonly #replicated: (key: string) => Promise<void>;

  /** `publisher`: how the posting scripts publish to the sharded adapter. */
  constructor(
    redis: RedisCommands,
    prefix: string,
    publisher: LuaPublisher,
    { retention = defaultRetention, roomCompanions = () => [], timeoutMs = defaultRedisTimeoutMs, replicated = async () => undefined }: RedisMessageStoreOptions = {},
  ) {
    this.#redis = redis;
    this.#replicated = replicated;
    this.#timeoutMs = timeoutMs;
    this.#guard = guardRequests(redis, timeoutMs);
    this.#prefix = prefix;
    this.#scripts = postScripts(publisher);
    this.#publisher = publisher;
    this.#retention = retention;
    this.#roomCompanions = roomCompanions;
    // The sharded adapter's channel for the main namespace; a room's own channel appends
    // `<room>#`, and only the workers with members in that room subscribe to it.
    this.#channelPrefix = `${prefix}#/#`;
  }

  #roomKey = (room: RoomName) => roomLogKey(this.#prefix, room);
  #inboxKey = (user: UserName) => inboxKey(this.#prefix, user);

  async postToRoom(post: RoomPost): Promise<Posted> {
    // Bounded here too: a post queued behind a batch that Redis does not answer waits for it.
    const { reused, ...posted } = await withDeadline(this.#roomPosts.submit(post.room, post), this.#timeoutMs);
    if (reused && post.clientId !== undefined) throw new ClientIdReusedError(post.clientId);
    return posted;
  }

  /** One script call for `posts` (in order); a failure is every post's. */
  async #postBatch(room: RoomName, posts: RoomPost[]): Promise<RoomPosted[]> {
    const reply = (await this.#guard(() =>
      this.#runReplicated(
        this.#scripts.postToRoom,
        [this.#roomKey(room), ...posts.map(({ from, clientId }) => roomDedupeKey(this.#prefix, room, from, clientId ?? "-"))],
        [
          String(logLength),
          String(dedupeSeconds),
          `${this.#channelPrefix}${roomOf(room)}#`,
          this.#publisher.uid,
          roomOf(room),
          room,
          ...posts.flatMap((post) => [post.senderSocket, textDigest(post.text), ...argumentsOf<ChatMessage>(post, roomPostFields)]),
        ],
      ),
    )) as (string | number)[];
    await this.#retain(room);
    // [id1, fresh1, id2, fresh2, ...]: a repeat answers with its first id, as a fresh post does.
    return posts.map((_, i) => {
      const id = String(reply[2 * i]);
      return { id, sentAt: sentAtOf(id), reused: reply[2 * i + 1] === -1 };
    });
  }

  /** A posting script, then the wait for its writes to reach the replicas asked for. */
  async #runReplicated(script: LuaScript, keys: [string, ...string[]], args: string[]): Promise<unknown> {
    const reply = await script.run(this.#redis, keys, args);
    await this.#replicated(keys[0]);
    return reply;
  }

  /**
   * After each batch: the room's messages past HISTORY_MAX_AGE go, and its keys live
   * ROOM_IDLE_TTL from now. Done beside the post script, once it has answered (so that the
   * stream exists), in one round trip; a failure stores nothing wrong and the next post
   * does it again, so it does not fail the posts, which are stored. Bounded in time, so that
   * Redis hanging now does not hold the room's next batch.
   */
  async #retain(room: RoomName): Promise<void> {
    const key = this.#roomKey(room);
    const now = Date.now();
    await withDeadline(
      Promise.all([
        this.#redis.xTrim(key, "MINID", Math.max(0, now - this.#retention.maxAgeMs)),
        ...[key, ...this.#roomCompanions(room)].map((each) => this.#redis.pExpire(each, this.#retention.idleTtlMs)),
      ]),
      this.#timeoutMs,
    ).catch(() => undefined);
  }

  async hasRoom(room: RoomName): Promise<boolean> {
    return (await this.#guard(() => this.#redis.exists(this.#roomKey(room)))) === 1;
  }

  /**
   * A direct message in three steps, each in one slot, each safe to repeat: the sender's
   * copy and record (which decides the id, the time and whether the clientId was taken),
   * then the recipient's copy (stored once per clientId), then the two publications on the
   * namespace's channel, after which the sender's record says `delivered`. A step that
   * fails leaves the post unanswered (`unavailable`); the client's retry with the same
   * clientId finds the sender's record and runs the steps not yet known done: the
   * recipient's copy is not stored twice, and the publications are sent again only while
   * the record does not say `delivered` (a retry after a crash between the publications and
   * that mark delivers the message twice under one id, which clients show once).
   */
  async postDirect(post: DirectPost): Promise<Posted> {
    const { from, to, text, clientId, senderSocket } = post;
    const fields = argumentsOf<DirectMessage>(post, directPostFields);
    const sentKey = clientId === undefined ? [] : [directSentKey(this.#prefix, from, clientId)];
    const [fromId, fresh, at, delivered] = (await this.#guard(() =>
      this.#runReplicated(
        this.#scripts.postDirectSent,
        [this.#inboxKey(from), ...sentKey],
        [String(logLength), String(dedupeSeconds), textDigest(text), ...fields],
      ),
    )) as [string, number, string, number];
    if (fresh === -1 && clientId !== undefined) throw new ClientIdReusedError(clientId);
    const posted = { id: fromId, sentAt: Number(at) };
    if (delivered === 1) return posted;
    const message = (id: string) => messageOf<DirectMessage>(directMessageFields, id, { from, to, text, clientId, sentAt: at });
    const publications = [this.#publisher.encode(userRoomOf(from), senderSocket, "dm:new", message(fromId))];
    if (to !== from) {
      const receivedKey = clientId === undefined ? [] : [directReceivedKey(this.#prefix, to, from, clientId)];
      const [toId] = (await this.#guard(() =>
        this.#runReplicated(
          this.#scripts.postDirectReceived,
          [this.#inboxKey(to), ...receivedKey],
          [String(logLength), String(dedupeSeconds), at, ...fields],
        ),
      )) as [string, number];
      publications.unshift(this.#publisher.encode(userRoomOf(to), "", "dm:new", message(toId)));
    }
    // The users' rooms ride the namespace's channel (see seams/room-adapter.ts), which every worker receives.
    await this.#guard(() => Promise.all(publications.map((publication) => this.#redis.sPublish(this.#channelPrefix, publication))));
    if (sentKey[0] !== undefined) {
      const key = sentKey[0];
      await this.#guard(() => this.#redis.append(key, " delivered"));
    }
    return posted;
  }

  /** The answer of an earlier direct post with this clientId, once it was delivered. */
  async findDirect(from: UserName, clientId: ClientId, text: string): Promise<Posted | undefined> {
    const seen = await this.#guard(() => this.#redis.get(directSentKey(this.#prefix, from, clientId)));
    // "<id in the sender's inbox> <sentAt> <digest> <to>[ delivered]"
    const [id, sentAt, digest, , delivered] = seen?.split(" ") ?? [];
    if (id === undefined || delivered === undefined) return undefined;
    if (digest !== textDigest(text)) throw new ClientIdReusedError(clientId);
    return { id, sentAt: Number(sentAt) };
  }

  async readRoom(room: RoomName, range: Range): Promise<Page<ChatMessage>> {
    const entries = await this.#read(this.#roomKey(room), range, oldestKeptId(this.#retention, Date.now()));
    return fitPage(
      entries.map(({ id, message }) => messageOf<ChatMessage>(chatMessageFields, id, { ...message, room })),
      range.limit,
      "after" in range ? "start" : "end",
    );
  }

  async readInbox(user: UserName, range: Range): Promise<Page<DirectMessage>> {
    const entries = await this.#read(this.#inboxKey(user), range);
    return fitPage(
      entries.map(({ id, message }) => messageOf<DirectMessage>(directMessageFields, id, message)),
      range.limit,
      "after" in range ? "start" : "end",
    );
  }

  /**
   * Up to one more entry than asked, oldest first, nearest the id given, none before
   * `oldest`: the page is cut from them (see `fitPage`), and one left over tells that there
   * is more. Read in steps, each from where the last ended, until there is one entry past
   * what `limits.pageMaxBytes` of text holds: a page of long messages is cut from a few
   * entries read, not from all that its `limit` would allow (hundreds of kilobytes each).
   */
  async #read(key: string, range: Range, oldest = firstPossibleId): Promise<Entry[]> {
    const wanted = range.limit + 1;
    // Nothing comes before the first possible id or after the last; Redis calls such a range an error.
    if ("after" in range ? range.after === lastPossibleId : range.before === firstPossibleId) return [];
    const forward = "after" in range;
    // Where the first read starts from; each next one starts just past the last entry read.
    let from =
      "after" in range
        ? compareMessageIds(range.after, oldest) < 0
          ? oldest
          : `(${range.after}`
        : range.before === undefined
          ? "+"
          : `(${range.before}`;
    /** In the direction read: oldest first on, newest first back. */
    const entries: Entry[] = [];
    let count = Math.min(wanted, firstReadCount);
    let bytes = 0;
    for (;;) {
      const bound = from;
      const step = count;
      const read = (await (forward
        ? this.#guard(() => this.#redis.xRange(key, bound, "+", { COUNT: step }))
        : this.#guard(() => this.#redis.xRevRange(key, bound, oldest, { COUNT: step })))) as Entry[];
      entries.push(...read);
      for (const { message } of read) bytes += Buffer.byteLength(message.text ?? "");
      const last = read[read.length - 1];
      // The log's end, all that was asked, or an entry past the page's bytes (the first one is always in the page).
      if (last === undefined || read.length < step || entries.length >= wanted || (entries.length > 1 && bytes > limits.pageMaxBytes)) break;
      from = `(${last.id}`;
      // As many as the bytes left take at the mean length so far, and at least as many as read so far.
      const mean = Math.max(1, bytes / entries.length);
      count = Math.min(wanted - entries.length, Math.max(entries.length, Math.ceil((limits.pageMaxBytes - bytes) / mean) + 1));
    }
    return forward ? entries : entries.reverse();
  }
}
