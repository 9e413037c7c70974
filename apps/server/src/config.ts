import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { z } from "zod";

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

Options (each also read from the environment variable in capitals):
${keys.map((key) => `  --${flagOf(key).padEnd(20)} ${key}`).join("\n")}
  --help                 show this help

Defaults: PORT=3000, WORKERS=<CPU count>, REDIS_PREFIX=socket.io, SHUTDOWN_TIMEOUT_MS=10000.
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
  if (parsed.success) return { help: false, config: parsed.data };
  const problems = parsed.error.issues.map((issue) => {
    const key = String(issue.path[0]) as ConfigKey;
    return `${key} (--${flagOf(key)}): ${issue.message}, got ${JSON.stringify(raw[key])}`;
  });
  throw new ConfigError(`invalid configuration:\n  ${problems.join("\n  ")}`);
}
