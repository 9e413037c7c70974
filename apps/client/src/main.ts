import { connectChat } from "./chat-client.ts";
import { parseCliArgs, usage, UsageError } from "./cli-args.ts";
import { parseCommand } from "./commands.ts";
import { packageVersion } from "./package-version.ts";
import { createTerminal } from "./terminal.ts";

function main(): void {
  let args;
  try {
    args = parseCliArgs(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`chat: ${error.message}\n\n${usage}\n`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (args.version) {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }

  const terminal = createTerminal(process.stdin, process.stdout, process.stderr);
  const client = connectChat(
    args.url,
    args.name,
    {
      print: (line) => terminal.print(line),
      error: (line) => terminal.error(line),
      refused: (message) => {
        terminal.error(message);
        client.close();
        process.exit(1);
      },
    },
    { token: args.token },
  );
  terminal.onLine((line) => {
    if (line.trim() !== "") client.run(parseCommand(line));
  });
  terminal.onKeypress(() => client.typing());
  terminal.onEnd(() => {
    void client.settled().then((allAccepted) => {
      client.close();
      process.exit(allAccepted ? 0 : 1);
    });
  });
  const interrupt = () => {
    client.close();
    process.exit(130);
  };
  process.on("SIGINT", interrupt);
  process.on("SIGTERM", interrupt);
}

main();
