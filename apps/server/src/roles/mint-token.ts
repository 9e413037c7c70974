import { parseArgs } from "node:util";
import { mintToken } from "../auth/token.ts";

/** A token's lifetime when `--ttl` is not given: one day. */
export const defaultTtlSeconds = 86_400;
/** The shortest AUTH_SECRET the server accepts (see config.ts); a shorter one could sign nothing it takes. */
const secretMinLength = 32;

export const tokenUsage = `Usage: chat-server token <name> [--ttl <seconds>] [--auth-secret <secret>]

Prints a token with which <name> can connect to a server run with AUTH_MODE=token and the
same AUTH_SECRET (the client: chat <name> --token <token>). Only the token goes to stdout.

Options:
  --ttl <seconds>          how long the token is good for (default ${defaultTtlSeconds}: one day)
  --auth-secret <secret>   the secret the server signs with (default: $AUTH_SECRET)
  -h, --help               show this help`;

/** A token command line that cannot be used; the message says why. */
export class TokenCommandError extends Error {
  override name = "TokenCommandError";
}

export type TokenCommand = { help: true } | { help: false; token: string; sub: string; exp: number };

/** `chat-server token ...`: the token for the arguments after `token`, or the help. */
export function runTokenCommand(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  now: number = Date.now(),
): TokenCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { ttl: { type: "string" }, "auth-secret": { type: "string" }, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    throw new TokenCommandError(`${(error as Error).message}\n\n${tokenUsage}`);
  }
  if (parsed.values.help === true) return { help: true };
  const [name, ...extra] = parsed.positionals;
  if (name === undefined) throw new TokenCommandError(`a name is required\n\n${tokenUsage}`);
  if (extra.length > 0) throw new TokenCommandError(`unexpected argument ${JSON.stringify(extra[0])}\n\n${tokenUsage}`);

  const ttlText = parsed.values.ttl ?? String(defaultTtlSeconds);
  const ttl = /^\d+$/.test(ttlText) ? Number(ttlText) : Number.NaN;
  if (!Number.isSafeInteger(ttl) || ttl < 1) {
    throw new TokenCommandError(`invalid --ttl ${JSON.stringify(ttlText)}: expected a whole number of seconds, at least 1`);
  }
  const secret = parsed.values["auth-secret"] ?? env.AUTH_SECRET ?? "";
  if (secret === "") throw new TokenCommandError("AUTH_SECRET (--auth-secret) is required: the secret the server signs with");
  if (secret.length < secretMinLength) {
    throw new TokenCommandError(
      `AUTH_SECRET (--auth-secret): expected at least ${secretMinLength} characters, got ${secret.length}`,
    );
  }
  try {
    const token = mintToken(secret, name, ttl, now);
    return { help: false, token, sub: name, exp: Math.floor(now / 1000) + ttl };
  } catch (error) {
    throw new TokenCommandError((error as Error).message);
  }
}

/** Runs `chat-server token ...`: the token on stdout, when it expires on stderr. */
export function tokenMain(argv: readonly string[], env: Record<string, string | undefined>): void {
  const command = runTokenCommand(argv, env);
  if (command.help) {
    process.stdout.write(`${tokenUsage}\n`);
    return;
  }
  process.stdout.write(`${command.token}\n`);
  process.stderr.write(`token for ${command.sub}, good until ${new Date(command.exp * 1000).toISOString()}\n`);
}
