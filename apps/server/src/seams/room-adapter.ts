/*
 * Seam: the sharded Redis adapter's channel choice, changed by replacing its own methods.
 * Tied to @socket.io/redis-adapter 8.3.x (`ShardedRedisAdapter#computeChannel`,
 * `#shouldUseASeparateNamespace` and `#channel`, none in its typings; `addAll` subscribing on
 * "create-room" without waiting) on socket.io-adapter 2.5.x. Canary: test/seams/room-adapter.test.ts.
 */
import { createShardedAdapter } from "@socket.io/redis-adapter";
import type { Namespace, ServerOptions } from "socket.io";
import type { RedisClients } from "../redis/clients.ts";
import { defaultRedisTimeoutMs, withDeadline } from "../redis/request-guard.ts";
import { isUserRoom } from "../app/rooms.ts";

/** What the sharded adapter decides channels with (its own methods, not in its typings). */
interface ChannelChoice {
  /** The namespace's channel, `<prefix>#/#`. */
  readonly channel: string;
  /** Whether a room gets a channel of its own (and a subscription while it has members here). */
  shouldUseASeparateNamespace(room: string): boolean;
  /** The channel a message to other servers goes on. */
  computeChannel(message: { type: number; data?: { opts?: { rooms?: string[] } } }): string;
}

/**
 * The sharded Redis adapter (Redis 7 SSUBSCRIBE / SPUBLISH) in its dynamic mode: besides the
 * namespace's channel `<prefix>#/#` and its own response channel `<prefix>#/#<uid>#`, a worker
 * subscribes to the channel of each room it has members in, `<prefix>#/#<room>#`, from its
 * first member's join to its last member's leave, and so receives the traffic of those rooms
 * only. Socket id rooms get no channel of their own, and neither do users' own rooms: every
 * connection is in its user's room, and ten thousand users would be ten thousand
 * subscriptions a worker, each held for the life of its connection. A user's room, like a
 * socket's, goes over the namespace's channel, which every worker receives anyway: direct
 * messages reach every worker, chat rooms' traffic only theirs.
 *
 * A join resolves once the room's subscription is in place. `room:join` joins, then reads the
 * room's history, and relies on whatever is stored after that read being delivered live: the
 * adapter subscribes without waiting, which would leave a moment when it is not. A Redis that
 * does not confirm the subscription within `timeoutMs` (hung) fails the join as `unavailable`.
 */
export function shardedRoomAdapter(
  redis: Pick<RedisClients, "pub" | "sub" | "subscriptionsSettled">,
  channelPrefix: string,
  { timeoutMs = defaultRedisTimeoutMs }: { timeoutMs?: number } = {},
): NonNullable<ServerOptions["adapter"]> {
  const create = createShardedAdapter(redis.pub, redis.sub, { channelPrefix, subscriptionMode: "dynamic" });
  // Socket.IO calls it with `new`, which takes the object returned: a function, not an arrow.
  return function roomAdapter(nsp: Namespace) {
    const adapter = create(nsp);
    const choice = adapter as unknown as ChannelChoice;
    const ownChannel = choice.shouldUseASeparateNamespace.bind(adapter);
    const channelOf = choice.computeChannel.bind(adapter);
    choice.shouldUseASeparateNamespace = (room) => !isUserRoom(room) && ownChannel(room);
    choice.computeChannel = (message) => {
      const rooms = message.data?.opts?.rooms ?? [];
      return rooms.length === 1 && isUserRoom(rooms[0] ?? "") ? choice.channel : channelOf(message);
    };
    const addAll = adapter.addAll.bind(adapter);
    adapter.addAll = async (id, rooms) => {
      // Subscribes (synchronously, on "create-room") to each room new to this worker.
      await addAll(id, rooms);
      await withDeadline(redis.subscriptionsSettled(), timeoutMs);
    };
    return adapter;
  };
}
