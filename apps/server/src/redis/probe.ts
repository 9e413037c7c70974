import { createClient, createCluster } from "redis";

export type ProbeResult = { ok: true } | { ok: false; reason: string };

/**
 * Whether Redis answers PING at `url` within `timeoutMs`, connecting included. One attempt,
 * no retries: this decides how the server starts, so it must not hang, even on something
 * that accepts connections and never answers.
 */
export async function probeRedis(url: string, timeoutMs: number): Promise<ProbeResult> {
  const client = createClient({ url, socket: { connectTimeout: timeoutMs, reconnectStrategy: false }, maintNotifications: "disabled" });
  let lastError = "no answer";
  client.on("error", (error: unknown) => {
    lastError = error instanceof Error ? error.message || error.name : String(error);
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProbeResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  const attempt = (async (): Promise<ProbeResult> => {
    try {
      await client.connect();
      await client.ping();
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: error instanceof Error && error.message ? error.message : lastError };
    }
  })();
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
    if (client.isOpen) client.destroy();
  }
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
  let lastError = "no answer";
  cluster.on("error", (error: unknown) => {
    lastError = error instanceof Error ? error.message || error.name : String(error);
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProbeResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  const attempt = (async (): Promise<ProbeResult> => {
    try {
      await cluster.connect();
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: `${error instanceof Error && error.message ? error.message : "failed"} (${lastError})` };
    }
  })();
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
    cluster.destroy();
  }
}
