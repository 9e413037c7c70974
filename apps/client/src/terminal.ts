import { createInterface, type Interface } from "node:readline";

/**
 * Lines in from stdin, lines out to stdout. In a terminal the prompt is redrawn under each
 * incoming line so that what the user is typing is never mixed into a message.
 */
export interface Terminal {
  print(line: string): void;
  onLine(handler: (line: string) => void): void;
  onEnd(handler: () => void): void;
  /** A key pressed at the prompt (terminals only). */
  onKeypress(handler: () => void): void;
  close(): void;
}

export function createTerminal(input: NodeJS.ReadStream, output: NodeJS.WriteStream): Terminal {
  const interactive = Boolean(input.isTTY && output.isTTY);
  const rl: Interface = createInterface({ input, output, terminal: interactive, prompt: "> " });
  if (interactive) rl.prompt();
  return {
    print(line) {
      if (!interactive) {
        output.write(`${line}\n`);
        return;
      }
      output.write(`\r\x1b[2K${line}\n`);
      rl.prompt(true);
    },
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
