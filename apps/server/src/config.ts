import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import * as z from "zod";
import { defaultWebRoot } from "./web/web-root.ts";

/** Where Redis answers when nothing else is said: the address every development machine uses. */
export const defaultRedisUrl = "redis://127.0.0.1:6379";

const wholeNumber = (min: number, max: number) =>
  z.coerce
    .number({ error: "expected a whole number" })
    .int({ error: "expected a whole number" })
    .min(min, { error: `expected a whole number from ${min} to ${max}` })
    .max(max, { error: `expected a whole number from ${min} to ${max}` });

/**
 * Every setting, keyed by its environment variable. A flag of the same name in kebab case
 * (`--redis-url` for `REDIS_URL`) wins over the variable.
 */
const ConfigSchema = z.object({
  /** The one port clients connect to; the primary owns it and hands connections to workers. */
  PORT: wholeNumber(0, 65535).default(3000),
  /** The address to listen on; unset, every interface. */
  HOST: z.string().min(1).optional(),
  /**
   * Connections the kernel holds for the server until it accepts them. A storm of thousands
   * connecting at once overflows a short queue, and each connection dropped from it is
   * retried by its client after one second, then three, then seven. The kernel caps it at
   * `net.core.somaxconn` (4096 on current Linux).
   */
  LISTEN_BACKLOG: wholeNumber(1, 65535).default(4096),
  /** How many Socket.IO workers to fork: one per CPU by default, since each is single-threaded. */
  WORKERS: wholeNumber(1, 256).default(availableParallelism()),
  /**
   * Redis, for the adapter and the stores. Unset, the server tries the default address and,
   * finding nothing there, runs as one process without Redis. Set, Redis must answer.
   */
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: "expected a redis:// or rediss:// URL" })
    .optional(),
  /**
   * A Redis Cluster instead of one Redis: the addresses of some of its nodes, comma-separated
   * (`redis://10.0.0.1:7000,redis://10.0.0.2:7000`); the rest are found from them. Any one
   * of them answering is enough to start. Not together with REDIS_URL.
   */
  REDIS_CLUSTER_NODES: z
    .string()
    .transform((list) => list.split(",").map((url) => url.trim()).filter((url) => url !== ""))
    .pipe(
      z
        .array(z.url({ protocol: /^rediss?$/, error: "expected redis:// or rediss:// URLs, comma-separated" }))
        .min(1, { error: "expected redis:// or rediss:// URLs, comma-separated" }),
    )
    .optional(),
  /**
   * Replicas that must have a message (room or direct) before its sender is told it is
   * stored: after storing it, the server sends Redis `WAIT` for this many, and a send that
   * fewer acknowledge within REDIS_WAIT_TIMEOUT_MS is answered `unavailable` (a retry with the
   * same clientId gets the stored id). Unset: 1 with REDIS_CLUSTER_NODES, so that a master's
   * failover loses no acknowledged message; 0 with REDIS_URL. 0 turns it off, for a cluster
   * without replicas.
   */
  REDIS_WAIT_REPLICAS: wholeNumber(0, 16).optional(),
  /**
   * How long a send waits for REDIS_WAIT_REPLICAS replicas, in milliseconds. The send as a
   * whole is still bounded by REDIS_TIMEOUT_MS, so keep it below that. While it waits, the
   * commands this process sends after it to the same master wait too (one connection a node).
   */
  REDIS_WAIT_TIMEOUT_MS: wholeNumber(10, 60_000).default(1000),
  /**
   * The first part of every Redis channel and key. The default is the adapter's own, so
   * other Socket.IO tools (emitter, admin UI) see this server; two deployments that share
   * one Redis need different prefixes.
   */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, { error: "expected 1 to 64 letters, digits or _ . : -" })
    .default("socket.io"),
  /**
   * How long a request waits for Redis before it is answered `unavailable`, in milliseconds;
   * also how long `/readyz` waits for Redis to answer PING. Redis that is down is noticed at
   * once; this bounds Redis that hangs. Raise it for a Redis that is slow but alive (a long
   * fork, a busy replica link); lower it to fail over sooner.
   */
  REDIS_TIMEOUT_MS: wholeNumber(100, 60_000).default(3000),
  /** How long a shutdown may take before workers are killed, in milliseconds. */
  SHUTDOWN_TIMEOUT_MS: wholeNumber(100, 600_000).default(10_000),
  /**
   * `trust`: the handshake's `auth.name` is the user (development). `token`: the handshake
   * must carry `auth.token`, signed with AUTH_SECRET and unexpired; the name comes from it.
   */
  AUTH_MODE: z.enum(["trust", "token"], { error: 'expected "trust" or "token"' }).default("trust"),
  /** The HMAC secret tokens are signed with; at least 32 characters. Required with AUTH_MODE=token. */
  AUTH_SECRET: z.string().min(32, { error: "expected at least 32 characters" }).optional(),
  /** Browser origins allowed to connect, comma-separated (`*` for any); unset, none but the server's own. */
  CORS_ORIGINS: z
    .string()
    .transform((list) => list.split(",").map((origin) => origin.trim()).filter((origin) => origin !== ""))
    .optional(),
  /** Connections one worker accepts before refusing new ones (they go to another worker or host). */
  MAX_CONNECTIONS_PER_WORKER: wholeNumber(1, 1_000_000).default(10_000),
  /**
   * Connections one user may hold at once, over every worker and host (counted in Redis;
   * a worker that dies takes its connections off the count within PRESENCE_TTL_MS and
   * PRESENCE_REFRESH_MS, 20 s by default). The next handshake is refused with
   * `unavailable`. Enough for a person's devices and tabs; lower it where each user is one
   * program.
   */
  MAX_CONNECTIONS_PER_USER: wholeNumber(1, 100_000).default(20),
  /**
   * Events of any kind (a send, a join, a history page, ...) one connection may send per
   * second; bursts of three seconds' worth pass. A client rejoining its rooms after a
   * reconnect sends one join a room (up to 50) at once, within the burst.
   */
  EVENT_RATE_PER_CONNECTION: wholeNumber(1, 100_000).default(20),
  /** Events one user may send per second over all their connections, cluster-wide; bursts as above. */
  EVENT_RATE_PER_USER: wholeNumber(1, 100_000).default(50),
  /** Sends (messages, direct messages) one connection may make per second; bursts of three seconds' worth pass. */
  SEND_RATE_PER_CONNECTION: wholeNumber(1, 100_000).default(10),
  /** Sends one user may make per second over all their connections, cluster-wide; bursts as above. */
  SEND_RATE_PER_USER: wholeNumber(1, 100_000).default(20),
  /**
   * How long a room keeps a message, in seconds: older ones are no longer shown and are
   * dropped from Redis at the room's next post. 30 days by default; lower it to keep less.
   */
  HISTORY_MAX_AGE_SECONDS: wholeNumber(1, 10 * 365 * 24 * 3600).default(30 * 24 * 3600),
  /**
   * How long a room's keys (its history, a private room's members) live after its last post,
   * in seconds, so abandoned rooms free their memory. 30 days by default.
   */
  ROOM_IDLE_TTL_SECONDS: wholeNumber(1, 10 * 365 * 24 * 3600).default(30 * 24 * 3600),
  /**
   * Rooms one user may bring into existence per day (UTC), cluster-wide: joining a room that
   * has no history yet, or creating one (`room:create`). Bounds what one user can make the
   * server store.
   */
  MAX_ROOMS_PER_USER_PER_DAY: wholeNumber(1, 1_000_000).default(20),
  /** Largest packet a client may send, in bytes; larger ones close the connection. */
  MAX_PAYLOAD_BYTES: wholeNumber(1024, 100_000_000).default(100_000),
  /**
   * Most bytes that may wait to be written to one connection (beyond what the kernel holds);
   * a connection with more is not reading, and is closed with a `session:closing` notice
   * (`backlogged`). Each connection may hold this much of a worker's memory: lower it for
   * many connections on little memory; raise it for clients on slow links in busy rooms.
   */
  MAX_BUFFERED_BYTES: wholeNumber(65_536, 1_000_000_000).default(1_048_576),
  /**
   * How often the server pings each connection, in milliseconds (Engine.IO's heartbeat;
   * clients learn it in the handshake). Each ping is a frame each way on every connection:
   * at 25 s, 100,000 idle connections cost 4,000 round trips a second. Raise it for many
   * idle connections per host, but keep it below every proxy's idle timeout on the way
   * (nginx's proxy_read_timeout is 60 s unless set; deploy/'s HAProxy allows an hour).
   */
  PING_INTERVAL_MS: wholeNumber(1000, 600_000).default(25_000),
  /** How long a connection may leave a ping unanswered before it is closed, in milliseconds. */
  PING_TIMEOUT_MS: wholeNumber(1000, 600_000).default(20_000),
  /**
   * How long the users of a process that died without a word (killed, its host lost) are
   * still shown present, in milliseconds: its sessions in Redis live this long after its
   * last refresh, then another process sweeps them at its next refresh and their rooms hear
   * `presence:left`. Longer than PRESENCE_REFRESH_MS, with room for a refresh that is late
   * (a busy process, a slow Redis): one that lapses has the process taken for dead.
   * The same in every process.
   */
  PRESENCE_TTL_MS: wholeNumber(100, 3_600_000).default(15_000),
  /**
   * How often each process refreshes its presence in Redis and sweeps that of dead
   * processes, in milliseconds: a dead process's users are gone within PRESENCE_TTL_MS and
   * this. Each refresh is one Redis call a process, whatever it holds.
   */
  PRESENCE_REFRESH_MS: wholeNumber(100, 600_000).default(5_000),
  /**
   * The port of the operations endpoints (`/metrics`, the detailed `/readyz`); 0 picks a
   * free one (the log says which). The public port keeps only `/healthz` and a plain
   * `/readyz` for load balancers.
   */
  OPS_PORT: wholeNumber(0, 65535).default(9464),
  /**
   * The address the operations endpoints listen on: loopback by default, so that only this
   * host (a Prometheus agent, a sidecar) reads the metrics. Open it up only behind a firewall.
   */
  OPS_HOST: z.string().min(1).default("127.0.0.1"),
  /**
   * The built web app served at `/` (index.html, and its hashed assets for a year). Unset,
   * apps/web/dist beside the server package, where `pnpm start` builds it; a folder without a
   * build serves nothing (404), the operations endpoints and Socket.IO being unaffected.
   */
  WEB_ROOT: z.string().min(1).default(defaultWebRoot),
  /** `text`: one readable line per event. `json`: one JSON object per line, for log collectors. */
  LOG_FORMAT: z.enum(["text", "json"], { error: 'expected "text" or "json"' }).default("text"),
});

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigKey = keyof Config;

const keys = Object.keys(ConfigSchema.shape) as ConfigKey[];
const flagOf = (key: ConfigKey) => key.toLowerCase().replaceAll("_", "-");

/** A configuration that cannot be used; its message names the variable and the flag. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

export const usage = `Usage: chat-server [options]
       chat-server token <name> [--ttl <seconds>]   issue a token for AUTH_MODE=token (see token --help)

Options (each also read from the environment variable in capitals):
${keys.map((key) => `  --${flagOf(key).padEnd(28)} ${key}`).join("\n")}
  --help                         show this help

Defaults: PORT=3000, LISTEN_BACKLOG=4096, WORKERS=<CPU count>, REDIS_PREFIX=socket.io, REDIS_TIMEOUT_MS=3000,
REDIS_WAIT_REPLICAS=1 with REDIS_CLUSTER_NODES and 0 with REDIS_URL, REDIS_WAIT_TIMEOUT_MS=1000,
SHUTDOWN_TIMEOUT_MS=10000, AUTH_MODE=trust, MAX_CONNECTIONS_PER_WORKER=10000, MAX_CONNECTIONS_PER_USER=20,
EVENT_RATE_PER_CONNECTION=20, EVENT_RATE_PER_USER=50, SEND_RATE_PER_CONNECTION=10,
SEND_RATE_PER_USER=20, HISTORY_MAX_AGE_SECONDS=2592000 (30 days), ROOM_IDLE_TTL_SECONDS=2592000,
MAX_ROOMS_PER_USER_PER_DAY=20, MAX_PAYLOAD_BYTES=100000, MAX_BUFFERED_BYTES=1048576, PING_INTERVAL_MS=25000,
PING_TIMEOUT_MS=20000, PRESENCE_TTL_MS=15000 (longer than PRESENCE_REFRESH_MS), PRESENCE_REFRESH_MS=5000,
OPS_PORT=9464, OPS_HOST=127.0.0.1, LOG_FORMAT=text,
WEB_ROOT=<the web app's build, apps/web/dist beside the server package>.
Without REDIS_URL or REDIS_CLUSTER_NODES the server uses ${defaultRedisUrl} when Redis
answers there, and otherwise runs as a single process that is not scaled out.`;

/** What is wrong with settings that are each valid but do not go together, if anything. */
function conflictIn(config: Config): string | undefined {
  const named = (key: ConfigKey) => `${key} (--${flagOf(key)})`;
  if (config.AUTH_MODE === "token" && config.AUTH_SECRET === undefined) {
    return `${named("AUTH_SECRET")}: required when AUTH_MODE is token`;
  }
  if (config.REDIS_URL !== undefined && config.REDIS_CLUSTER_NODES !== undefined) {
    return `${named("REDIS_URL")} and ${named("REDIS_CLUSTER_NODES")}: set one of them, not both`;
  }
  if (config.PRESENCE_TTL_MS <= config.PRESENCE_REFRESH_MS) {
    return (
      `${named("PRESENCE_TTL_MS")}: must be longer than ${named("PRESENCE_REFRESH_MS")}, ` +
      `or every process is taken for dead between two refreshes; got ${config.PRESENCE_TTL_MS} and ${config.PRESENCE_REFRESH_MS}`
    );
  }
  return undefined;
}

/** Replicas a stored message waits for (REDIS_WAIT_REPLICAS): unset, 1 in a Redis Cluster and 0 with one Redis. */
export const waitReplicasOf = (config: Config): number =>
  config.REDIS_WAIT_REPLICAS ?? (config.REDIS_CLUSTER_NODES === undefined ? 0 : 1);

export type ParsedCommandLine = { help: true } | { help: false; config: Config };

export function parseConfig(
  env: Record<string, string | undefined>,
  argv: readonly string[],
): ParsedCommandLine {
  let flags: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(keys.map((key) => [flagOf(key), { type: "string" as const }]));
    flags = parseArgs({ args: [...argv], options: { ...options, help: { type: "boolean" } } }).values;
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n\n${usage}`);
  }
  if (flags.help === true) return { help: true };

  const raw = Object.fromEntries(
    keys.map((key) => {
      const flag = flags[flagOf(key)];
      const value = typeof flag === "string" ? flag : env[key];
      return [key, value === "" ? undefined : value];
    }),
  );
  const parsed = ConfigSchema.safeParse(raw);
  if (parsed.success) {
    const problem = conflictIn(parsed.data);
    if (problem !== undefined) throw new ConfigError(`invalid configuration:\n  ${problem}`);
    return { help: false, config: parsed.data };
  }
  const problems = parsed.error.issues.map((issue) => {
    const key = String(issue.path[0]) as ConfigKey;
    return `${key} (--${flagOf(key)}): ${issue.message}, got ${JSON.stringify(raw[key])}`;
  });
  throw new ConfigError(`invalid configuration:\n  ${problems.join("\n  ")}`);
}
