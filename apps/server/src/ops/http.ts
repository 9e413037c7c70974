import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";

/** Whether the process should be sent traffic, and if not, why. */
export type Readiness =
  | { ready: true; checks: Record<string, unknown> }
  | { ready: false; reason: string; checks: Record<string, unknown> };

export interface MetricsText {
  contentType: string;
  text: string;
}

/**
 * What the endpoints report; each role (cluster worker, single process, cluster primary) has
 * its own. Without `metrics`, `/metrics` is not served (404).
 */
export interface OpsProbes {
  readiness(): Promise<Readiness>;
  metrics?: () => Promise<MetricsText>;
}

/**
 * `public`: the port clients connect to, which load balancers probe: `/healthz` and a plain
 * `/readyz` (the status alone, no reasons). `operations`: the operations port, for this host
 * only: the detailed `/readyz` and `/metrics` too.
 */
export type OpsAudience = "public" | "operations";

const send = (res: ServerResponse, status: number, contentType: string, body: string, head: boolean) => {
  res.writeHead(status, {
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
  });
  res.end(head ? undefined : body);
};
const json = (res: ServerResponse, status: number, body: unknown, head: boolean) =>
  send(res, status, "application/json; charset=utf-8", JSON.stringify(body), head);
const text = (res: ServerResponse, status: number, body: string, head: boolean) =>
  send(res, status, "text/plain; charset=utf-8", body, head);

/** Answers a request for any other path (the web app's files); without it, any other path is 404. */
export type OtherPaths = (req: IncomingMessage, res: ServerResponse) => void;

export interface ServeOpsOptions {
  /** Socket.IO's path, whose requests are Socket.IO's own. */
  socketIoPath?: string;
  otherPaths?: OtherPaths;
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  probes: OpsProbes,
  audience: OpsAudience,
  otherPaths?: OtherPaths,
): Promise<void> {
  const path = (req.url ?? "/").split("?")[0];
  const known = path === "/healthz" || path === "/readyz" || (path === "/metrics" && probes.metrics !== undefined);
  if (!known && otherPaths !== undefined) return otherPaths(req, res);
  if (!known) return text(res, 404, "not found\n", req.method === "HEAD");
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("Allow", "GET, HEAD");
    return text(res, 405, "method not allowed\n", false);
  }
  const head = req.method === "HEAD";
  switch (path) {
    case "/healthz":
      return text(res, 200, "ok", head);
    case "/readyz": {
      const readiness = await probes.readiness();
      if (audience === "public") return json(res, readiness.ready ? 200 : 503, { status: readiness.ready ? "ready" : "unavailable" }, head);
      return readiness.ready
        ? json(res, 200, { status: "ready", checks: readiness.checks }, head)
        : json(res, 503, { status: "unavailable", reason: readiness.reason, checks: readiness.checks }, head);
    }
    default: {
      let metrics: MetricsText;
      try {
        metrics = await (probes.metrics?.() ?? Promise.reject(new Error("not served here")));
      } catch (error) {
        return text(res, 503, `metrics unavailable: ${describe(error)}\n`, head);
      }
      return send(res, 200, metrics.contentType, metrics.text, head);
    }
  }
}

/**
 * Serves `GET /healthz`, `/readyz` and (with `probes.metrics`) `/metrics` on `httpServer` for
 * `audience`, and any other path outside Socket.IO's with `otherPaths` (404 without it). On a
 * server Socket.IO attaches to, call it first: Socket.IO then keeps its own path
 * (`socketIoPath`) and hands every other request to this listener.
 */
export function serveOps(
  httpServer: HttpServer,
  probes: OpsProbes,
  audience: OpsAudience,
  { socketIoPath = "/socket.io", otherPaths }: ServeOpsOptions = {},
): void {
  const socketIoPrefix = `${socketIoPath.replace(/\/$/, "")}/`;
  httpServer.on("request", (req: IncomingMessage, res: ServerResponse) => {
    // Socket.IO's own requests, should this listener have been added after it; the operations
    // port has no Socket.IO, and answers them itself (404).
    if (audience === "public" && (req.url ?? "/").startsWith(socketIoPrefix)) return;
    answer(req, res, probes, audience, otherPaths).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else text(res, 500, `internal error: ${describe(error)}\n`, false);
    });
  });
}
