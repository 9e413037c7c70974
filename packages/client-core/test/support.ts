import type { ChatClient, ChatClientOptions } from "@chat/client-core";
import { createChatClient } from "@chat/client-core";

/** Clients made by `client()` and not closed yet: `closeAll()` in `afterEach`. */
const open = new Set<ChatClient>();

/** A client on `url`, connection at Socket.IO's defaults (it reconnects by itself). */
export function client(url: string, options: ChatClientOptions = {}): ChatClient {
  const made = createChatClient({ url, ...options });
  open.add(made);
  return made;
}

export function closeAll(): void {
  for (const made of open) made.close();
  open.clear();
}

/**
 * Resolves with what `check` returns once it is neither undefined nor false, checked now and
 * after every change of the client; rejects after `timeoutMs` saying what was awaited.
 */
export function until<T>(
  chat: ChatClient,
  check: () => T | undefined | false,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const first = check();
    if (first !== undefined && first !== false) return resolve(first);
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${chat.me ?? "a client"}: no ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    const stop = chat.on("change", () => {
      const value = check();
      if (value === undefined || value === false) return;
      clearTimeout(timer);
      stop();
      resolve(value);
    });
  });
}

/** Resolves once the client is connected and caught up (its lobby joined). */
export const connected = (chat: ChatClient, room = "lobby"): Promise<true> =>
  until(chat, () => chat.connection.status === "connected" && chat.usersIn(room).length > 0, "connection");

/** A room name no other test uses. */
export const freshRoom = (label: string): string => `${label}-${Math.random().toString(36).slice(2, 8)}`;

export const textsIn = (chat: ChatClient, room: string): string[] => chat.messagesOf(room).map((message) => message.text);

/**
 * Resolves once the server lists `user` in `room` (asked through `chat`): presence is written
 * just after a connection opens, so a message to someone who connected a moment ago may find
 * them not online yet, as it would for anyone.
 */
export async function listedIn(chat: ChatClient, room: string, user: string, timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const outcome = await chat.who(room);
    if (outcome.ok && outcome.data.users.includes(user)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${user} not listed in ${room} within ${timeoutMs} ms`);
}
