import cluster from "node:cluster";
import { ConfigError, defaultRedisUrl, parseConfig, usage } from "./config.ts";
import { migrateKeysMain } from "./roles/migrate-keys.ts";
import { tokenMain } from "./roles/mint-token.ts";
import { startPrimary } from "./roles/primary.ts";
import { probeRedis, probeRedisCluster } from "./redis/probe.ts";
import type { RedisTarget } from "./redis/redis-target.ts";
import { startStandalone } from "./roles/standalone.ts";
import { startWorker } from "./roles/worker.ts";

/** How long start-up waits for Redis to answer before deciding it is not there. */
const probeTimeoutMs = 2000;

async function main(): Promise<void> {
  // `chat-server token <name>`: issue a token for AUTH_MODE=token, and start nothing.
  if (process.argv[2] === "token") return tokenMain(process.argv.slice(3), process.env);
  // `chat-server migrate-keys`: copy messages kept under the old key layout, and start nothing.
  if (process.argv[2] === "migrate-keys") return migrateKeysMain(process.argv.slice(3), process.env);
  const parsed = parseConfig(process.env, process.argv.slice(2));
  if (parsed.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const { config } = parsed;

  const target: RedisTarget =
    config.REDIS_CLUSTER_NODES === undefined ? { url: config.REDIS_URL ?? defaultRedisUrl } : { clusterNodes: config.REDIS_CLUSTER_NODES };
  if (cluster.isWorker) {
    // The primary resolved the Redis before forking; workers inherit it.
    await startWorker(config, target);
    return;
  }

  if (!("url" in target)) {
    const probe = await probeRedisCluster(target.clusterNodes, probeTimeoutMs);
    if (!probe.ok) {
      throw new Error(`cannot reach the Redis Cluster at ${target.clusterNodes.join(",")} (REDIS_CLUSTER_NODES): ${probe.reason}`);
    }
    await startPrimary(config, target);
    return;
  }
  const probe = await probeRedis(target.url, probeTimeoutMs);
  if (probe.ok) {
    await startPrimary(config, target);
  } else if (config.REDIS_URL === undefined) {
    await startStandalone(config, `no Redis answered at ${defaultRedisUrl}: ${probe.reason}`);
  } else {
    throw new Error(`cannot reach Redis at ${config.REDIS_URL} (REDIS_URL): ${probe.reason}`);
  }
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`chat-server: ${message}\n`);
  process.exit(1);
});
