import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";
import { freePort, sleep } from "@chat/test-kit";

/**
 * A redis-server in cluster mode that holds every slot by itself: one process, and yet it
 * refuses what a Redis Cluster refuses (a command or a script whose keys hash to two slots,
 * a script that touches a key of another slot than those it declared).
 */
export interface ClusterNode {
  readonly url: string;
  /**
   * The commands Redis answered with an error since it started, with how many times
   * (`INFO commandstats`); a script Redis does not know yet (NOSCRIPT, sent again in full) aside.
   */
  errors(): Promise<string[]>;
  dispose(): Promise<void>;
}

export async function startClusterNode(): Promise<ClusterNode> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), "chat-cluster-node-"));
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no",
      "--cluster-enabled", "yes", "--cluster-config-file", join(dir, "nodes.conf")],
    { stdio: "ignore" },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let admin = createClient({ url });
  const dispose = async () => {
    await admin.quit().catch(() => undefined);
    child.kill("SIGKILL");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // A fresh client each try: one that failed to connect would keep trying on its own.
    for (let attempt = 0; ; attempt++) {
      const client = createClient({ url, socket: { reconnectStrategy: false } });
      client.on("error", () => undefined);
      try {
        await client.connect();
        admin = client;
        break;
      } catch (error) {
        if (attempt > 100) throw error;
        await sleep(50);
      }
    }
    await admin.sendCommand(["CLUSTER", "ADDSLOTSRANGE", "0", "16383"]);
    for (let attempt = 0; !(await admin.sendCommand<string>(["CLUSTER", "INFO"])).includes("cluster_state:ok"); attempt++) {
      if (attempt > 200) throw new Error("the cluster node never reached cluster_state:ok");
      await sleep(50);
    }
  } catch (error) {
    await dispose();
    throw error;
  }
  return {
    url,
    async errors() {
      const noscript = Number(/^errorstat_NOSCRIPT:count=(\d+)/m.exec(await admin.info("errorstats"))?.[1] ?? 0);
      const failed: string[] = [];
      for (const [, name, rejected, failedCalls] of (await admin.info("commandstats")).matchAll(
        /^cmdstat_([^:]+):.*rejected_calls=(\d+),failed_calls=(\d+)/gm,
      )) {
        const count = Number(rejected) + Number(failedCalls) - (name === "evalsha" ? noscript : 0);
        if (count > 0) failed.push(`${name}: ${count}`);
      }
      return failed;
    },
    dispose,
  };
}
