import { compareMessageIds, type MessageId } from "@chat/protocol";

/**
 * The messages of one conversation (a room, or the inbox) as the user sees them: in id
 * order, each once, whichever way it came (live, caught up, a page of history, the ack of
 * the user's own send).
 */
export class MessageLog<Message extends { id: MessageId }> {
  readonly #messages: Message[] = [];
  readonly #ids = new Set<MessageId>();

  get messages(): readonly Message[] {
    return this.#messages;
  }

  get oldestId(): MessageId | undefined {
    return this.#messages[0]?.id;
  }

  has(id: MessageId): boolean {
    return this.#ids.has(id);
  }

  /** Adds `message` in its place; false when it was there already. */
  add(message: Message): boolean {
    if (this.#ids.has(message.id)) return false;
    this.#ids.add(message.id);
    let at = this.#messages.length;
    // Nearly always the newest: look from the end.
    while (at > 0 && compareMessageIds((this.#messages[at - 1] as Message).id, message.id) > 0) at -= 1;
    this.#messages.splice(at, 0, message);
    return true;
  }

  /** Adds each of `messages`; returns the ones that were new, in id order. */
  addAll(messages: readonly Message[]): Message[] {
    return messages.filter((message) => this.add(message)).sort((a, b) => compareMessageIds(a.id, b.id));
  }
}
