import { createShardedAdapter } from "@socket.io/redis-adapter";
import type { Namespace, ServerOptions } from "socket.io";
import type { RedisClients } from "./redis-clients.ts";

/**
 * The sharded Redis adapter (Redis 7 SSUBSCRIBE / SPUBLISH) in its dynamic mode: besides the
 * namespace's channel `<prefix>#/#` and its own response channel `<prefix>#/#<uid>#`, a worker
 * subscribes to the channel of each room it has members in, `<prefix>#/#<room>#`, from its
 * first member's join to its last member's leave, and so receives the traffic of those rooms
 * only. Socket id rooms get no channel of their own.
 *
 * A join resolves once the room's subscription is in place. `room:join` joins, then reads the
 * room's history, and relies on whatever is stored after that read being delivered live: the
 * adapter subscribes without waiting, which would leave a moment when it is not.
 */
export function shardedRoomAdapter(
  redis: Pick<RedisClients, "pub" | "sub" | "subscriptionsSettled">,
  channelPrefix: string,
): NonNullable<ServerOptions["adapter"]> {
  const create = createShardedAdapter(redis.pub, redis.sub, { channelPrefix, subscriptionMode: "dynamic" });
  // Socket.IO calls it with `new`, which takes the object returned: a function, not an arrow.
  return function roomAdapter(nsp: Namespace) {
    const adapter = create(nsp);
    const addAll = adapter.addAll.bind(adapter);
    adapter.addAll = async (id, rooms) => {
      // Subscribes (synchronously, on "create-room") to each room new to this worker.
      await addAll(id, rooms);
      await redis.subscriptionsSettled();
    };
    return adapter;
  };
}
