import { parseArgs } from "node:util";
import { UserName } from "@chat/protocol";

export const defaultUrl = "http://localhost:3000";

export const usage = `Usage: chat <name> [--url <server>] [--token <token>]
       chat --help | --version

Joins the chat as <name>. Each line you type is sent to the room; each message that
arrives is printed as "<text> from <user>" on stdout; errors go to stderr. Reads a pipe as
well as a terminal: on end of input it exits once every line has been acknowledged (0), or
reports the ones that were not (1). A server it cannot reach is reported at once and tried
again until it answers.

Options:
  --url <server>   the server to connect to (default: $CHAT_URL or ${defaultUrl})
  --token <token>  a token issued for <name> (chat-server token <name>), for a server
                   that checks tokens (default: $CHAT_TOKEN)
  -h, --help       show this help
  -v, --version    print the version`;

export type CliArgs =
  | { help: true }
  | { version: true; help?: false }
  | { help: false; version?: false; name: UserName; url: string; token?: string };

/** A command line that cannot be used; the message says why. */
export class UsageError extends Error {
  override name = "UsageError";
}

export function parseCliArgs(argv: readonly string[], env: Record<string, string | undefined>): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        url: { type: "string" },
        token: { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.values.help === true) return { help: true };
  if (parsed.values.version === true) return { version: true };
  const [name, ...extra] = parsed.positionals;
  if (name === undefined) throw new UsageError("a name is required");
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  const checked = UserName.safeParse(name);
  if (!checked.success) {
    throw new UsageError(`invalid name ${JSON.stringify(name)}: ${checked.error.issues[0]?.message ?? "invalid"}`);
  }
  const url = parsed.values.url ?? env.CHAT_URL ?? defaultUrl;
  if (!URL.canParse(url) || !["http:", "https:", "ws:", "wss:"].includes(new URL(url).protocol)) {
    throw new UsageError(`invalid --url ${JSON.stringify(url)}: expected an http(s) or ws(s) URL such as ${defaultUrl}`);
  }
  // An empty CHAT_TOKEN is no token; an empty --token is a mistake.
  const token = parsed.values.token ?? (env.CHAT_TOKEN === "" ? undefined : env.CHAT_TOKEN);
  if (token === "") throw new UsageError("invalid --token: it must not be empty");
  return token === undefined ? { help: false, name: checked.data, url } : { help: false, name: checked.data, url, token };
}
