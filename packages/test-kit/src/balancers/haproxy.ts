import { fileURLToPath } from "node:url";
import { freePort } from "../ports.ts";
import { runBalancer, type RunningBalancer } from "./balancer-process.ts";

/** The repository's HAProxy configuration, run as it is. */
export const haproxyConfig = fileURLToPath(new URL("../../../../deploy/haproxy/haproxy.cfg", import.meta.url));

/**
 * HAProxy from `deploy/haproxy/haproxy.cfg` on a free loopback port, in front of the three
 * instances at `instances` (`host:port` of each public port); on `port` if given.
 */
export async function startHaproxy(instances: readonly [string, string, string], { port: wanted }: { port?: number } = {}): Promise<RunningBalancer> {
  const port = wanted ?? (await freePort());
  const env = {
    CHAT_LISTEN: `127.0.0.1:${port}`,
    CHAT_INSTANCE_1: instances[0],
    CHAT_INSTANCE_2: instances[1],
    CHAT_INSTANCE_3: instances[2],
  };
  // -db: in the foreground, its messages on stderr.
  return runBalancer("haproxy", ["haproxy", "-db", "-f", haproxyConfig], port, env);
}
