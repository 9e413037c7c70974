import { withRedis } from "./commands.ts";
import { textsReply } from "./cluster-view.ts";

/** A node taking part in a slot move. */
export interface SlotHolder {
  readonly id: string;
  readonly port: number;
  readonly url: string;
}

export interface SlotMoveOptions {
  /** How many keys one MIGRATE carries. Default 100; 1 leaves the slot split between the two masters the longest. */
  batchSize?: number;
  /**
   * Called once the first batch has moved (or at once, when the slot holds no key): the slot
   * is then migrating, some keys on each side, and clients are sent on with ASK. The move
   * goes on when it resolves.
   */
  midway?: () => Promise<void>;
}

export interface SlotMove {
  from: SlotHolder;
  to: SlotHolder;
  /** How many keys moved. */
  keys: number;
}

const migrateTimeoutMs = 5_000;

const setSlot = (node: SlotHolder, slot: number, ...state: string[]) =>
  withRedis(node.url, (redis) => redis.sendCommand(["CLUSTER", "SETSLOT", String(slot), ...state]));

/**
 * Moves `slot` from one master to another the way a resharding does: the target imports it,
 * the source migrates it, its keys go over in batches by MIGRATE, and every master is then told
 * the slot's new owner (the target first, so that it serves the slot before anyone sends there).
 */
export async function moveSlot({
  slot,
  from,
  to,
  masters,
  batchSize = 100,
  midway,
}: SlotMoveOptions & { slot: number; from: SlotHolder; to: SlotHolder; masters: readonly SlotHolder[] }): Promise<SlotMove> {
  if (from.id === to.id) return { from, to, keys: 0 };
  await setSlot(to, slot, "IMPORTING", from.id);
  await setSlot(from, slot, "MIGRATING", to.id);
  let moved = 0;
  let paused = false;
  await withRedis(from.url, async (redis) => {
    for (;;) {
      const keys = await textsReply(redis, ["CLUSTER", "GETKEYSINSLOT", String(slot), String(batchSize)]);
      if (keys.length > 0) {
        await redis.sendCommand(["MIGRATE", "127.0.0.1", String(to.port), "", "0", String(migrateTimeoutMs), "KEYS", ...keys]);
        moved += keys.length;
      }
      if (!paused && midway !== undefined) {
        paused = true;
        await midway();
      }
      if (keys.length === 0) return;
    }
  });
  await setSlot(to, slot, "NODE", to.id);
  await setSlot(from, slot, "NODE", to.id);
  await Promise.all(masters.filter((master) => master.id !== from.id && master.id !== to.id).map((master) => setSlot(master, slot, "NODE", to.id)));
  return { from, to, keys: moved };
}
