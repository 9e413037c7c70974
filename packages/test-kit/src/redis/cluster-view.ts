import type { RedisConnection } from "./commands.ts";

/** One line of `CLUSTER NODES`: a node as the node asked sees it. */
export interface NodeEntry {
  id: string;
  port: number;
  flags: ReadonlySet<string>;
  /** The id of its master, for a replica. */
  masterId: string | undefined;
  /** The slots it serves, as `[first, last]` ranges (slots being imported or migrated are left out). */
  slots: ReadonlyArray<readonly [number, number]>;
}

/** Parses the text `CLUSTER NODES` answers. */
export function parseClusterNodes(text: string): NodeEntry[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [id = "", address = "", flags = "", master = "-", , , , , ...slots] = line.trim().split(" ");
      // ip:port@busport[,hostname]
      const port = Number(address.split("@")[0]?.split(":").pop());
      return {
        id,
        port,
        flags: new Set(flags.split(",")),
        masterId: master === "-" ? undefined : master,
        slots: slots
          .filter((slot) => !slot.startsWith("["))
          .map((slot) => {
            const [first = "", last = first] = slot.split("-");
            return [Number(first), Number(last)] as const;
          }),
      };
    });
}

/** Parses the `field:value` lines of `INFO` or `CLUSTER INFO`. */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0 && !line.startsWith("#")) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/** Sends one command and expects a text (bulk or status) answer. */
export async function textReply(redis: RedisConnection, args: string[]): Promise<string> {
  const reply = await redis.sendCommand(args);
  if (typeof reply !== "string") throw new Error(`${args.join(" ")} answered ${JSON.stringify(reply)}, not text`);
  return reply;
}

/** Sends one command and expects a list of texts. */
export async function textsReply(redis: RedisConnection, args: string[]): Promise<string[]> {
  const reply = await redis.sendCommand(args);
  if (!Array.isArray(reply) || !reply.every((item): item is string => typeof item === "string")) {
    throw new Error(`${args.join(" ")} answered ${JSON.stringify(reply)}, not a list of texts`);
  }
  return reply;
}

export const clusterNodesOf = async (redis: RedisConnection): Promise<NodeEntry[]> =>
  parseClusterNodes(await textReply(redis, ["CLUSTER", "NODES"]));

export const clusterInfoOf = async (redis: RedisConnection): Promise<Map<string, string>> =>
  parseInfo(await textReply(redis, ["CLUSTER", "INFO"]));

/** Whether `entry` serves `slot`. */
export const serves = (entry: NodeEntry, slot: number): boolean => entry.slots.some(([first, last]) => first <= slot && slot <= last);
