import type { ChatMessage, RoomName, UserName } from "@chat/protocol";
import { Feed } from "./feed.ts";
import { MessageLog } from "./message-log.ts";
import { TypingBoard } from "./typing-board.ts";

export interface RoomHooks {
  /** A message the feed lets through: new, and in order. */
  shown(message: ChatMessage): void;
  typingChanged(): void;
}

/** What the client knows of one room it is in. */
export class RoomState {
  readonly room: RoomName;
  readonly feed: Feed<ChatMessage>;
  readonly log = new MessageLog<ChatMessage>();
  readonly typing: TypingBoard;
  users = new Set<UserName>();
  /** Whether older messages than those loaded may exist (paging back stops when the server says no). */
  hasOlder = false;
  /** Joined and shown once: messages from now on are news (unread), not the room's past. */
  live = false;

  constructor(room: RoomName, typingShownMs: number, hooks: RoomHooks) {
    this.room = room;
    this.feed = new Feed((message) => hooks.shown(message));
    this.typing = new TypingBoard(typingShownMs, () => hooks.typingChanged());
  }
}
