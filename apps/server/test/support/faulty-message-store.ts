import type { ChatMessage, ClientId, DirectMessage, RoomName, UserName } from "@chat/protocol";
import type { Config } from "../../src/config.ts";
import { appOptionsOf, eventLimiterOf, sendLimiterOf } from "../../src/app/config-options.ts";
import { createChatApp } from "../../src/app/create-app.ts";
import { localDelivery } from "../../src/app/memory-app.ts";
import { MemoryRoomQuota } from "../../src/limits/room-quota.ts";
import { MemoryUserBuckets } from "../../src/limits/send-limiter.ts";
import { MemoryRoomRegistry } from "../../src/membership/memory-room-registry.ts";
import { MemoryMessageStore } from "../../src/messages/memory-message-store.ts";
import type { DirectPost, MessageStore, Page, Posted, Range, RoomPost } from "../../src/messages/message-store.ts";
import { MemoryPresenceStore } from "../../src/presence/memory-presence-store.ts";
import type { AppFactory } from "./in-process-app.ts";

/**
 * The memory store, which fails every call with `fault` while one is set: how a store
 * that cannot reach Redis, or that breaks, looks to the handlers.
 */
export class FaultyMessageStore implements MessageStore {
  /** What every call throws; unset, calls go through. */
  fault: Error | undefined;
  readonly #inner: MessageStore;

  constructor(inner: MessageStore) {
    this.#inner = inner;
  }

  async #through<T>(call: () => Promise<T>): Promise<T> {
    if (this.fault !== undefined) throw this.fault;
    return call();
  }

  postToRoom(post: RoomPost): Promise<Posted> {
    return this.#through(() => this.#inner.postToRoom(post));
  }
  postDirect(post: DirectPost): Promise<Posted> {
    return this.#through(() => this.#inner.postDirect(post));
  }
  findDirect(from: UserName, clientId: ClientId, text: string): Promise<Posted | undefined> {
    return this.#through(() => this.#inner.findDirect(from, clientId, text));
  }
  readRoom(room: RoomName, range: Range): Promise<Page<ChatMessage>> {
    return this.#through(() => this.#inner.readRoom(room, range));
  }
  readInbox(user: UserName, range: Range): Promise<Page<DirectMessage>> {
    return this.#through(() => this.#inner.readInbox(user, range));
  }
  hasRoom(room: RoomName): Promise<boolean> {
    return this.#through(() => this.#inner.hasRoom(room));
  }
}

/**
 * The memory app (as `createMemoryChatApp` composes it) with its message store behind a
 * `FaultyMessageStore`; `stores` receives that store once the app is made.
 */
export const appWithFaultyStore =
  (stores: (store: FaultyMessageStore) => void): AppFactory =>
  (httpServer, config: Config, { log }) =>
    createChatApp(
      httpServer,
      (io) => {
        const messages = new FaultyMessageStore(new MemoryMessageStore(localDelivery(io)));
        stores(messages);
        return {
          log,
          presence: new MemoryPresenceStore(),
          limiter: sendLimiterOf(config, (perSecond) => new MemoryUserBuckets(perSecond)),
          eventLimiter: eventLimiterOf(config, (perSecond) => new MemoryUserBuckets(perSecond)),
          rooms: new MemoryRoomRegistry(),
          roomQuota: new MemoryRoomQuota(config.MAX_ROOMS_PER_USER_PER_DAY),
          messages,
        };
      },
      appOptionsOf(config),
    );
