import type { Agent } from "node:http";
import { createChatClient, type ChatClient, type Outgoing } from "@chat/client-core";
import type { ChatMessage, RoomName, UserName } from "@chat/protocol";
import { connectClient, sleep } from "@chat/test-kit";
import { agentFromNextAddress, behindBalancer, type BalancerRig } from "./balancer-rig.ts";

/*
 * Users of the client core behind the balancer, as an application runs it: sends resent
 * with their clientId until acknowledged, missed messages caught up after a reconnection.
 */

export interface User {
  readonly name: UserName;
  readonly chat: ChatClient;
  /** The source address its connections leave from. */
  readonly address: string;
  /** Every message the core reported new, in order: live or caught up. */
  readonly received: ChatMessage[];
  /** Each socket id it has been connected with, in order. */
  readonly socketIds: string[];
  /** The lines it was asked to send, in order, and how each ended. */
  readonly sends: { text: string; result: Promise<Outgoing> }[];
}

export function chatBehind(rig: BalancerRig, name: UserName, room: RoomName, agent: Agent, address: string): User {
  const chat = createChatClient({ url: rig.balancer.url, name, rooms: [room], socket: behindBalancer(agent) });
  const user: User = { name, chat, address, received: [], socketIds: [], sends: [] };
  chat.on("message", (message) => user.received.push(message));
  chat.on("connection", (state) => {
    if (state.status === "connected") user.socketIds.push(state.socketId);
  });
  return user;
}

/** Resolves with the socket id of the user's `count`th connection, once it is made. */
export async function connection(user: User, count = 1, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (user.socketIds.length < count) {
    if (Date.now() > deadline) throw new Error(`${user.name} made no connection number ${count} within ${timeoutMs} ms`);
    await sleep(50);
  }
  return user.socketIds[count - 1] as string;
}

/** `A-007`: the `index`th line (from 1) of `name`. */
export const numbered = (name: string, index: number): string => `${name}-${String(index).padStart(3, "0")}`;

/**
 * Every `intervalMs` each writer sends its next numbered line to `room` (under the server's
 * 10 a second per connection); after line `index`, `during.get(index)` runs without pausing
 * the writing.
 */
export async function writeNumbered(
  writers: readonly User[],
  room: RoomName,
  count: number,
  intervalMs: number,
  during: Map<number, () => void> = new Map(),
): Promise<void> {
  for (let index = 1; index <= count; index++) {
    for (const writer of writers) {
      const text = numbered(writer.name, index);
      writer.sends.push({ text, result: writer.chat.say(room, text) });
    }
    during.get(index)?.();
    await sleep(intervalMs);
  }
}

/**
 * The room's history as the service tells it to a newcomer through the balancer, oldest
 * first: every message it stored, in id order (one page: the tests post fewer than its 100).
 */
export async function historyOf(rig: BalancerRig, room: RoomName): Promise<ChatMessage[]> {
  const reader = await connectClient(rig.balancer.url, "historian", behindBalancer(agentFromNextAddress().agent));
  try {
    const joined = await reader.timeout(15_000).emitWithAck("room:join", { room });
    if (!joined.ok) throw new Error(`room:join ${room}: ${joined.error.code}`);
    const page = await reader.timeout(15_000).emitWithAck("history:fetch", { room, limit: 100 });
    if (!page.ok) throw new Error(`history:fetch ${room}: ${page.error.code}`);
    if (page.data.more) throw new Error(`${room} holds more than one page`);
    return page.data.messages;
  } finally {
    reader.disconnect();
  }
}

/** What `user` should have been shown of the room: the others' stored lines, in the order stored. */
export const expectedFor = (history: readonly ChatMessage[], user: User): string[] =>
  history.filter((message) => message.from !== user.name).map((message) => `${message.from}: ${message.text}`);

/** What the core showed `user` of the room, in order (repeats included: they would be defects). */
export const shownTo = (user: User, room: RoomName): string[] =>
  user.received.filter((message) => message.room === room).map((message) => `${message.from}: ${message.text}`);
