import type { UserName } from "@chat/protocol";

/**
 * Who is typing in one conversation. A notice lasts `shownMs` unless the same user's next
 * one renews it, or a message from them ends it; `changed` is told each time the list changes.
 */
export class TypingBoard {
  readonly #timers = new Map<UserName, ReturnType<typeof setTimeout>>();
  readonly #shownMs: number;
  readonly #changed: () => void;

  constructor(shownMs: number, changed: () => void) {
    this.#shownMs = shownMs;
    this.#changed = changed;
  }

  get users(): UserName[] {
    return [...this.#timers.keys()];
  }

  noticed(user: UserName): void {
    const known = this.#timers.has(user);
    clearTimeout(this.#timers.get(user));
    this.#timers.set(
      user,
      setTimeout(() => this.stopped(user), this.#shownMs),
    );
    if (!known) this.#changed();
  }

  stopped(user: UserName): void {
    if (!this.#timers.has(user)) return;
    clearTimeout(this.#timers.get(user));
    this.#timers.delete(user);
    this.#changed();
  }

  clear(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
