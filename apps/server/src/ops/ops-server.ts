import { createServer, type Server } from "node:http";
import type { Config } from "../config.ts";
import type { Log } from "../logging/log.ts";
import { serveOps, type OpsProbes } from "./http.ts";

/** An address and port as a URL's host part: an IPv6 address in brackets. */
const hostPart = (host: string, port: number) => (host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`);

/**
 * The operations port (OPS_HOST:OPS_PORT, loopback by default): `/healthz`, the detailed
 * `/readyz` and `/metrics`, away from the port clients reach. Its address is logged, so that
 * OPS_PORT=0 can be found.
 */
export async function listenOps(config: Pick<Config, "OPS_HOST" | "OPS_PORT">, probes: OpsProbes, log: Log): Promise<Server> {
  const server = createServer();
  serveOps(server, probes, "operations");
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) => reject(new Error(`cannot listen on ${hostPart(config.OPS_HOST, config.OPS_PORT)} (OPS_HOST, OPS_PORT): ${error.message}`)));
    server.listen({ port: config.OPS_PORT, host: config.OPS_HOST }, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : config.OPS_PORT;
  log.info(`operations endpoints (/metrics, /readyz) on http://${hostPart(config.OPS_HOST, port)}`);
  return server;
}
