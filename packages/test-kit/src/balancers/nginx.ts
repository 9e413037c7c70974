import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../ports.ts";
import { runBalancer, type RunningBalancer } from "./balancer-process.ts";

/** The repository's script that renders its nginx template. */
export const nginxRender = fileURLToPath(new URL("../../../../deploy/nginx/render.mjs", import.meta.url));

/**
 * nginx from `deploy/nginx/nginx.conf.template`, rendered by `deploy/nginx/render.mjs` as
 * the deployment README says, on a free loopback port in front of the three instances at
 * `instances` (`host:port` of each public port). Its pid and temporary files go to a
 * directory of its own, removed when it stops. On `port` if given.
 */
export async function startNginx(instances: readonly [string, string, string], { port: wanted }: { port?: number } = {}): Promise<RunningBalancer> {
  const port = wanted ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), "chat-nginx-"));
  const env = {
    CHAT_LISTEN: `127.0.0.1:${port}`,
    CHAT_INSTANCE_1: instances[0],
    CHAT_INSTANCE_2: instances[1],
    CHAT_INSTANCE_3: instances[2],
    CHAT_NGINX_DIR: dir,
  };
  const config = join(dir, "nginx.conf");
  writeFileSync(config, execFileSync(process.execPath, [nginxRender], { env: { ...process.env, ...env }, encoding: "utf8" }));
  try {
    const balancer = await runBalancer("nginx", ["nginx", "-p", dir, "-c", config, "-g", "daemon off;"], port, env);
    const stop = balancer.stop.bind(balancer);
    return Object.assign(balancer, {
      async stop() {
        await stop();
        rmSync(dir, { recursive: true, force: true });
      },
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
