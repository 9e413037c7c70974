import { compareMessageIds, type MessageId } from "@chat/protocol";

/** The baseline of a log that was empty when first seen: every real id comes after it. */
export const beforeEverything: MessageId = "0-0";

/**
 * One ordered stream of messages as this client shows it: a room, or the user's inbox.
 * The server delivers each stream in id order, so anything at or before the last id shown
 * is a repeat. While the stream catches up (after a reconnect), live messages wait in a
 * buffer and are shown after the missed ones, never before.
 */
export class Feed<Message extends { id: MessageId }> {
  /** The newest id shown (or skipped as our own); undefined until the stream has a baseline. */
  lastId: MessageId | undefined;
  /** The oldest id shown, where paging back through history continues. */
  oldestId: MessageId | undefined;
  #catchingUp = false;
  #buffer: Message[] = [];
  readonly #show: (message: Message) => void;

  constructor(show: (message: Message) => void) {
    this.#show = show;
  }

  /** Shows a message unless it is a repeat; returns whether it was new. */
  accept(message: Message): boolean {
    if (this.#catchingUp) {
      this.#buffer.push(message);
      return false;
    }
    if (this.lastId !== undefined && compareMessageIds(message.id, this.lastId) <= 0) return false;
    this.lastId = message.id;
    this.oldestId ??= message.id;
    this.#show(message);
    return true;
  }

  /** Live messages wait from now until `caughtUp`. */
  catchUp(): void {
    this.#catchingUp = true;
  }

  /** Shows `missed` (oldest first), then whatever arrived live meanwhile, each once. */
  caughtUp(missed: Message[]): void {
    this.#catchingUp = false;
    const waiting = this.#buffer.splice(0);
    for (const message of [...missed, ...waiting]) this.accept(message);
    this.lastId ??= beforeEverything;
  }

  /** Records a page of older messages as shown, so the next page starts before it. */
  shownOlder(oldest: MessageId | undefined): void {
    if (oldest !== undefined) this.oldestId = oldest;
  }
}
