import type { RoomQuota } from "../limits/room-quota.ts";
import type { SendLimiter } from "../limits/send-limiter.ts";
import type { Log } from "../logging/log.ts";
import type { ChatMetrics } from "../ops/metrics.ts";
import type { MessageStore } from "../messages/message-store.ts";
import type { RoomRegistry } from "../membership/room-registry.ts";
import type { PresenceStore } from "../presence/presence-store.ts";

/** What the handlers work with: the stores, behind interfaces, and the log. */
export interface ChatDeps {
  messages: MessageStore;
  presence: PresenceStore;
  /** The send rate limits (per connection, per user), taken before a send is stored. */
  limiter: SendLimiter;
  /** Who may enter which private room. */
  rooms: RoomRegistry;
  /** How many rooms each user may bring into existence per day (MAX_ROOMS_PER_USER_PER_DAY). */
  roomQuota: RoomQuota;
  /** The limits on every event (sends included), taken before anything else is done with it. */
  eventLimiter: SendLimiter;
  log: Log;
  /** What the app and the handlers count (ops/metrics.ts); unset, nothing is counted. */
  metrics?: ChatMetrics;
}
