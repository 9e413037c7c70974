import { createInterface, type Interface } from "node:readline";

/**
 * Lines in from stdin; the chat out to stdout, errors to stderr. In a terminal the prompt is
 * redrawn under each line printed, on either stream, so that what the user is typing is
 * never mixed into a message.
 */
export interface Terminal {
  print(line: string): void;
  /** Something that went wrong, on stderr. */
  error(line: string): void;
  onLine(handler: (line: string) => void): void;
  onEnd(handler: () => void): void;
  /** A key pressed at the prompt (terminals only). */
  onKeypress(handler: () => void): void;
  close(): void;
}

export function createTerminal(input: NodeJS.ReadStream, output: NodeJS.WriteStream, errors: NodeJS.WriteStream): Terminal {
  const interactive = Boolean(input.isTTY && output.isTTY);
  const rl: Interface = createInterface({ input, output, terminal: interactive, prompt: "> " });
  if (interactive) rl.prompt();
  const write = (stream: NodeJS.WriteStream, line: string) => {
    if (!interactive) {
      stream.write(`${line}\n`);
      return;
    }
    // The prompt line is on stdout: clear it there, whichever stream the line goes to.
    output.write("\r\x1b[2K");
    stream.write(`${line}\n`);
    rl.prompt(true);
  };
  return {
    print: (line) => write(output, line),
    error: (line) => write(errors, line),
    onLine(handler) {
      rl.on("line", (line) => {
        handler(line);
        if (interactive) rl.prompt();
      });
    },
    onEnd(handler) {
      rl.on("close", handler);
    },
    onKeypress(handler) {
      if (interactive) input.on("keypress", (_text: string, key: { name?: string } | undefined) => {
        if (key?.name !== "return") handler();
      });
    },
    close() {
      rl.close();
    },
  };
}
