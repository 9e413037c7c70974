import { closeSync, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";

/**
 * What a process prints, stdout and stderr, appended to a file of its own, as a deployment
 * writes its log to a file or a journal, and read only when asked. The server logs a line
 * per connection: reading ten thousand lines of a storm through a pipe would be work of the
 * bench's process, on the machine under test, that no deployment does.
 */
export class OutputFile {
  readonly #dir = mkdtempSync(join(tmpdir(), "chat-output-"));
  readonly #path = join(this.#dir, "output.log");
  readonly #decoder = new StringDecoder("utf8");
  readonly #chunk = Buffer.alloc(64 * 1024);
  #fd: number | undefined;
  #offset = 0;
  #partial = "";

  /** A descriptor for the process to write to; the caller closes it once the process has it. */
  openForWriter(): number {
    const fd = openSync(this.#path, "a");
    this.#fd = openSync(this.#path, "r");
    return fd;
  }

  /** Calls `take` with each whole line written since the last call. */
  read(take: (line: string) => void): void {
    if (this.#fd === undefined) return;
    for (;;) {
      const bytes = readSync(this.#fd, this.#chunk, 0, this.#chunk.length, this.#offset);
      if (bytes === 0) return;
      this.#offset += bytes;
      const text = this.#partial + this.#decoder.write(this.#chunk.subarray(0, bytes));
      const end = text.lastIndexOf("\n");
      this.#partial = text.slice(end + 1);
      if (end >= 0) for (const line of text.slice(0, end).split("\n")) take(line);
    }
  }

  remove(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
