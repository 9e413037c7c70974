import type { ServerOptions } from "socket.io";
import type { Config } from "../config.ts";
import { createAuthenticate, type ConnectionMiddleware } from "./authenticate.ts";

export type CorsSetting = ServerOptions["cors"];

/**
 * The CORS answer for `CORS_ORIGINS`: unset, none (no CORS headers: only pages of the
 * server's own origin may use HTTP long-polling); a list, exactly those origins, echoed in
 * `Access-Control-Allow-Origin` with credentials allowed; `*` anywhere in it, any origin,
 * echoed too (a literal `*` would not do: browsers refuse it with credentials).
 *
 * CORS only governs what browsers let a page read over HTTP; it does not stop a WebSocket
 * from another origin. `AUTH_MODE=token` is what keeps strangers out.
 */
export function corsOptions(origins: readonly string[] | undefined): CorsSetting | undefined {
  if (origins === undefined || origins.length === 0) return undefined;
  return { origin: origins.includes("*") ? true : [...origins], credentials: true };
}

/** Who may connect, from the configuration: the authentication middleware and the CORS setting. */
export function accessOptions(config: Pick<Config, "AUTH_MODE" | "AUTH_SECRET" | "CORS_ORIGINS">): {
  authenticate: ConnectionMiddleware;
  cors?: CorsSetting;
} {
  const cors = corsOptions(config.CORS_ORIGINS);
  return { authenticate: createAuthenticate(config), ...(cors === undefined ? {} : { cors }) };
}
