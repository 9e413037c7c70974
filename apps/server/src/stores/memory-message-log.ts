import type { MessageLog, NewMessage, StoredMessage } from "./message-log.ts";

/**
 * Ids in the same `<ms>-<seq>` form as Redis streams, increasing even when the clock
 * stands still or steps back. For the single-process mode, where nothing is shared.
 */
export class MemoryMessageLog implements MessageLog {
  #lastMs = 0;
  #seq = 0;

  async append(_message: NewMessage): Promise<StoredMessage> {
    const now = Date.now();
    if (now > this.#lastMs) {
      this.#lastMs = now;
      this.#seq = 0;
    } else {
      this.#seq += 1;
    }
    return { id: `${this.#lastMs}-${this.#seq}`, sentAt: this.#lastMs };
  }
}
