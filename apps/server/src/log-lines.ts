/** Somewhere whole lines are written to: a process's stdout or stderr. */
export interface LineSink {
  write(text: string): unknown;
}

/**
 * Lines for `sink`, written together once a turn of the event loop. A storm of connections
 * logs a line for each, and stdout to a pipe or a file is written synchronously, one system
 * call a write: thousands of calls a second, where one a turn does. Whatever is still
 * pending is written as the process exits, so that no line is lost to `process.exit()`.
 */
export function batchedLines(sink: LineSink): LineSink {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join("");
    pending = [];
    sink.write(text);
  };
  process.once("exit", flush);
  return {
    write(text) {
      if (pending.length === 0) setImmediate(flush);
      pending.push(text);
      return true;
    },
  };
}

let info: LineSink | undefined;

/** The process's info lines (stdout), one batch for every log it creates, so that their order holds. */
export const infoLines = (): LineSink => (info ??= batchedLines(process.stdout));
