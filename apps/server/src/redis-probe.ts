import { createClient } from "redis";

/**
 * Whether Redis answers PING at `url` within `timeoutMs`. One attempt, no retries: this
 * decides how the server starts, so it must not hang.
 */
export async function probeRedis(url: string, timeoutMs: number): Promise<{ ok: true } | { ok: false; reason: string }> {
  const client = createClient({ url, socket: { connectTimeout: timeoutMs, reconnectStrategy: false } });
  let reason = "no answer";
  client.on("error", (error: unknown) => {
    reason = error instanceof Error ? error.message || error.name : String(error);
  });
  try {
    await client.connect();
    await client.ping();
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error && error.message ? error.message : reason };
  } finally {
    if (client.isOpen) await client.disconnect().catch(() => undefined);
  }
}
