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
import {
  ClientIdReusedError,
  fitPage,
  logLength,
  textDigest,
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
 * capped logs, at-most-once per clientId), kept in memory and delivered locally.
 *
 * Each message is delivered alone, as `message:new`, never in a `message:batch`: a post here
 * completes within the call, so posts never queue behind one in flight, which is what makes
 * the Redis store batch them.
 */
export class MemoryMessageStore implements MessageStore {
  readonly #deliver: LocalDelivery;
  readonly #rooms = new Map<RoomName, ChatMessage[]>();
  readonly #inboxes = new Map<UserName, DirectMessage[]>();
  /** Per (kind, sender, clientId): the post, and the digest of its text. */
  readonly #posted = new Map<string, { posted: Posted; digest: string }>();
  #lastMs = 0;
  #seq = 0;

  constructor(deliver: LocalDelivery) {
    this.#deliver = deliver;
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

  async postToRoom({ room, from, text, clientId, senderSocket }: RoomPost): Promise<Posted> {
    const { posted, fresh } = this.#postFor("room", from, clientId, text);
    const message: ChatMessage = { ...posted, room, from, text, ...(clientId ? { clientId } : {}) };
    if (fresh) {
      this.#append(this.#rooms, room, message);
      this.#deliver.room(roomOf(room), senderSocket, message);
    }
    return posted;
  }

  async postDirect({ from, to, text, clientId, senderSocket }: DirectPost): Promise<Posted> {
    const { posted, fresh } = this.#postFor("dm", from, clientId, text);
    const message: DirectMessage = { ...posted, from, to, text, ...(clientId ? { clientId } : {}) };
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
    return this.#read(this.#rooms.get(room) ?? [], range);
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
