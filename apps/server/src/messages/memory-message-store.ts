import {
  compareMessageIds,
  type ChatMessage,
  type ClientId,
  type DirectMessage,
  type MessageId,
  type RoomName,
  type UserName,
} from "@chat/protocol";
import { roomOf, userRoomOf } from "../app/rooms.ts";
import { chatMessageFields, directMessageFields, messageOf } from "./message-fields.ts";
import {
  defaultRetention,
  ClientIdReusedError,
  fitPage,
  logLength,
  oldestKeptId,
  textDigest,
  type Retention,
  type DirectPost,
  type MessageStore,
  type Page,
  type Posted,
  type Range,
  type RoomPost,
} from "./message-store.ts";

/** Hands a stored message to the connections in a Socket.IO room. */
export interface LocalDelivery {
  room(socketRoom: string, exceptSocket: string, message: ChatMessage): void;
  direct(socketRoom: string, exceptSocket: string, message: DirectMessage): void;
}

/**
 * The single-process store: the same behaviour as Redis streams (ordered `<ms>-<seq>` ids,
 * capped logs, at-most-once per clientId, retention), kept in memory and delivered locally.
 *
 * Each message is delivered alone, as `message:new`, never in a `message:batch`: a post here
 * completes within the call, so posts never queue behind one in flight, which is what makes
 * the Redis store batch them.
 */
export class MemoryMessageStore implements MessageStore {
  readonly #deliver: LocalDelivery;
  readonly #rooms = new Map<RoomName, ChatMessage[]>();
  /** When each room was last posted to, for ROOM_IDLE_TTL. */
  readonly #lastPost = new Map<RoomName, number>();
  readonly #retention: Retention;
  readonly #inboxes = new Map<UserName, DirectMessage[]>();
  /** Per (kind, sender, clientId): the post, and the digest of its text. */
  readonly #posted = new Map<string, { posted: Posted; digest: string }>();
  #lastMs = 0;
  #seq = 0;

  constructor(deliver: LocalDelivery, retention: Retention = defaultRetention) {
    this.#deliver = deliver;
    this.#retention = retention;
  }

  /** The room's log, once what is past its age is gone; none if the room has been idle past its TTL. */
  #roomLog(room: RoomName): ChatMessage[] | undefined {
    const now = Date.now();
    if (now - (this.#lastPost.get(room) ?? now) > this.#retention.idleTtlMs) {
      this.#rooms.delete(room);
      this.#lastPost.delete(room);
    }
    const log = this.#rooms.get(room);
    const oldest = oldestKeptId(this.#retention, now);
    while (log?.[0] !== undefined && compareMessageIds(log[0].id, oldest) < 0) log.shift();
    return log;
  }

  #newPost(): Posted {
    const now = Date.now();
    if (now > this.#lastMs) {
      this.#lastMs = now;
      this.#seq = 0;
    } else {
      this.#seq += 1;
    }
    return { id: `${this.#lastMs}-${this.#seq}`, sentAt: this.#lastMs };
  }

  /** The post this (sender, clientId) pair made before with this text, or a new one; `fresh` when new. */
  #postFor(kind: string, from: UserName, clientId: ClientId | undefined, text: string): { posted: Posted; fresh: boolean } {
    if (clientId === undefined) return { posted: this.#newPost(), fresh: true };
    const seen = this.#seen(kind, from, clientId, text);
    if (seen !== undefined) return { posted: seen, fresh: false };
    const posted = this.#newPost();
    this.#posted.set(`${kind} ${from} ${clientId}`, { posted, digest: textDigest(text) });
    return { posted, fresh: true };
  }

  #seen(kind: string, from: UserName, clientId: ClientId, text: string): Posted | undefined {
    const seen = this.#posted.get(`${kind} ${from} ${clientId}`);
    if (seen !== undefined && seen.digest !== textDigest(text)) throw new ClientIdReusedError(clientId);
    return seen?.posted;
  }

  #append<M>(logs: Map<string, M[]>, key: string, message: M): void {
    const log = logs.get(key) ?? [];
    log.push(message);
    if (log.length > logLength) log.shift();
    logs.set(key, log);
  }

  async postToRoom(post: RoomPost): Promise<Posted> {
    const { room, from, text, clientId, senderSocket } = post;
    const { posted, fresh } = this.#postFor("room", from, clientId, text);
    const message = messageOf<ChatMessage>(chatMessageFields, posted.id, post);
    if (fresh) {
      this.#roomLog(room);
      this.#append(this.#rooms, room, message);
      this.#lastPost.set(room, posted.sentAt);
      this.#deliver.room(roomOf(room), senderSocket, message);
    }
    return posted;
  }

  async postDirect(post: DirectPost): Promise<Posted> {
    const { from, to, text, clientId, senderSocket } = post;
    const { posted, fresh } = this.#postFor("dm", from, clientId, text);
    const message = messageOf<DirectMessage>(directMessageFields, posted.id, { ...post, sentAt: posted.sentAt });
    if (fresh) {
      this.#append(this.#inboxes, to, message);
      if (to !== from) {
        this.#append(this.#inboxes, from, message);
        this.#deliver.direct(userRoomOf(to), "", message);
      }
      this.#deliver.direct(userRoomOf(from), senderSocket, message);
    }
    return posted;
  }

  async findDirect(from: UserName, clientId: ClientId, text: string): Promise<Posted | undefined> {
    return this.#seen("dm", from, clientId, text);
  }

  async readRoom(room: RoomName, range: Range): Promise<Page<ChatMessage>> {
    return this.#read(this.#roomLog(room) ?? [], range);
  }

  async hasRoom(room: RoomName): Promise<boolean> {
    return this.#roomLog(room) !== undefined;
  }

  async readInbox(user: UserName, range: Range): Promise<Page<DirectMessage>> {
    return this.#read(this.#inboxes.get(user) ?? [], range);
  }

  #read<M extends { id: MessageId; text: string }>(log: M[], range: Range): Page<M> {
    if ("after" in range) {
      return fitPage(log.filter((message) => compareMessageIds(message.id, range.after) > 0), range.limit, "start");
    }
    const { before } = range;
    return fitPage(before === undefined ? log : log.filter((message) => compareMessageIds(message.id, before) < 0), range.limit, "end");
  }
}
