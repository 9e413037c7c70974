import { createClient, createCluster } from "redis";

export type ProbeResult = { ok: true } | { ok: false; reason: string };

const messageOf = (error: unknown): string => (error instanceof Error ? error.message || error.name : String(error));

/**
 * Runs `attempt` once against a deadline of `timeoutMs`, then lets go of the connection:
 * what both probes share. `lastError` is the latest error the client reported on its own.
 */
async function probeOnce(
  attempt: (lastError: () => string) => Promise<ProbeResult>,
  watch: (onError: (error: unknown) => void) => void,
  release: () => void,
  timeoutMs: number,
): Promise<ProbeResult> {
  let lastError = "no answer";
  watch((error) => {
    lastError = messageOf(error);
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProbeResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([attempt(() => lastError), timeout]);
  } finally {
    clearTimeout(timer);
    release();
  }
}

/**
 * Whether Redis answers PING at `url` within `timeoutMs`, connecting included. One attempt,
 * no retries: this decides how the server starts, so it must not hang, even on something
 * that accepts connections and never answers.
 */
export async function probeRedis(url: string, timeoutMs: number): Promise<ProbeResult> {
  const client = createClient({ url, socket: { connectTimeout: timeoutMs, reconnectStrategy: false }, maintNotifications: "disabled" });
  return probeOnce(
    async (lastError) => {
      try {
        await client.connect();
        await client.ping();
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: error instanceof Error && error.message ? error.message : lastError() };
      }
    },
    (onError) => client.on("error", onError),
    () => {
      if (client.isOpen) client.destroy();
    },
    timeoutMs,
  );
}

/**
 * Whether a Redis Cluster answers at one of `nodes` within `timeoutMs`: one that gives its
 * map of slots. One attempt a node, no retries, as above.
 */
export async function probeRedisCluster(nodes: string[], timeoutMs: number): Promise<ProbeResult> {
  const cluster = createCluster({
    rootNodes: nodes.map((url) => ({ url })),
    defaults: { socket: { connectTimeout: timeoutMs, reconnectStrategy: false }, maintNotifications: "disabled" },
    minimizeConnections: true,
  });
  return probeOnce(
    async (lastError) => {
      try {
        await cluster.connect();
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: `${error instanceof Error && error.message ? error.message : "failed"} (${lastError()})` };
      }
    },
    (onError) => cluster.on("error", onError),
    () => cluster.destroy(),
    timeoutMs,
  );
}
