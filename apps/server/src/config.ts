import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { z } from "zod";
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
   * The first part of every Redis channel and key. The default is the adapter's own, so
   * other Socket.IO tools (emitter, admin UI) see this server; two deployments that share
   * one Redis need different prefixes.
   */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, { error: "expected 1 to 64 letters, digits or _ . : -" })
    .default("socket.io"),
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
  /** Sends (messages, direct messages) one connection may make per second; bursts of three seconds' worth pass. */
  SEND_RATE_PER_CONNECTION: wholeNumber(1, 100_000).default(10),
  /** Sends one user may make per second over all their connections, cluster-wide; bursts as above. */
  SEND_RATE_PER_USER: wholeNumber(1, 100_000).default(20),
  /** Largest packet a client may send, in bytes; larger ones close the connection. */
  MAX_PAYLOAD_BYTES: wholeNumber(1024, 100_000_000).default(100_000),
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

Defaults: PORT=3000, LISTEN_BACKLOG=4096, WORKERS=<CPU count>, REDIS_PREFIX=socket.io, SHUTDOWN_TIMEOUT_MS=10000,
AUTH_MODE=trust, MAX_CONNECTIONS_PER_WORKER=10000, SEND_RATE_PER_CONNECTION=10,
SEND_RATE_PER_USER=20, MAX_PAYLOAD_BYTES=100000, LOG_FORMAT=text,
WEB_ROOT=<the web app's build, apps/web/dist beside the server package>.
Without REDIS_URL the server uses ${defaultRedisUrl} when Redis answers there, and
otherwise runs as a single process that is not scaled out.`;

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
  if (parsed.success && parsed.data.AUTH_MODE === "token" && parsed.data.AUTH_SECRET === undefined) {
    throw new ConfigError("invalid configuration:\n  AUTH_SECRET (--auth-secret): required when AUTH_MODE is token");
  }
  if (parsed.success) return { help: false, config: parsed.data };
  const problems = parsed.error.issues.map((issue) => {
    const key = String(issue.path[0]) as ConfigKey;
    return `${key} (--${flagOf(key)}): ${issue.message}, got ${JSON.stringify(raw[key])}`;
  });
  throw new ConfigError(`invalid configuration:\n  ${problems.join("\n  ")}`);
}
