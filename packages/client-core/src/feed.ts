import { compareMessageIds, type MessageId } from "@chat/protocol";

/** The baseline of a stream that was empty when first seen: every real id comes after it. */
export const beforeEverything: MessageId = "0-0";

/**
 * One ordered stream of messages as the client shows it: a room, or the user's inbox. The
 * server delivers a stream in id order, so anything at or before the newest id shown is a
 * repeat. While the stream catches up (after a reconnect), live messages wait and are shown
 * after the missed ones, never before, each once.
 */
export class Feed<Message extends { id: MessageId }> {
  /** The newest id shown; undefined until the stream has a baseline. */
  lastId: MessageId | undefined;
  #catchingUp = false;
  #waiting: Message[] = [];
  readonly #show: (message: Message) => void;

  constructor(show: (message: Message) => void) {
    this.#show = show;
  }

  get catchingUp(): boolean {
    return this.#catchingUp;
  }

  /** Shows a message unless it is a repeat; while catching up, keeps it for later. */
  accept(message: Message): void {
    if (this.#catchingUp) {
      this.#waiting.push(message);
      return;
    }
    if (this.lastId !== undefined && compareMessageIds(message.id, this.lastId) <= 0) return;
    this.lastId = message.id;
    this.#show(message);
  }

  /** Live messages wait from now until `caughtUp`. */
  catchUp(): void {
    this.#catchingUp = true;
  }

  /** Shows `missed` (oldest first), then whatever arrived live meanwhile, each once. */
  caughtUp(missed: readonly Message[]): void {
    this.#catchingUp = false;
    const waiting = this.#waiting.splice(0);
    const ordered = [...missed, ...waiting].sort((a, b) => compareMessageIds(a.id, b.id));
    for (const message of ordered) this.accept(message);
    this.lastId ??= beforeEverything;
  }
}
