import type { Log } from "./log.ts";
import type { MessageStore } from "./stores/message-store.ts";
import type { PresenceStore } from "./stores/presence-store.ts";

/** What the handlers work with: the stores, behind interfaces, and the log. */
export interface ChatDeps {
  messages: MessageStore;
  presence: PresenceStore;
  log: Log;
}
