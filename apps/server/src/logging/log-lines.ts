/** Somewhere whole lines are written to: a process's stdout or stderr. */
export interface LineSink {
  write(text: string): unknown;
}

/** The shortest time between two writes of batched lines: how late a line may be written. */
export const lineGapMs = 25;

/**
 * Lines for `sink`, written together: at the end of the turn of the event loop they are
 * logged in, or, when the previous write was less than `gapMs` ago, once that much time
 * has passed. A storm of connections logs a line for each, one a turn, and stdout to a pipe
 * or a file is written synchronously, one system call a write: a line every so often
 * stays as prompt as ever, and a storm costs a write every `gapMs`. Whatever is still
 * pending is written as the process exits, so that no line is lost to `process.exit()`.
 */
export function batchedLines(sink: LineSink, gapMs = lineGapMs): LineSink {
  let pending: string[] = [];
  let lastWrite = Number.NEGATIVE_INFINITY;
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join("");
    pending = [];
    lastWrite = performance.now();
    sink.write(text);
  };
  process.once("exit", flush);
  return {
    write(text) {
      if (pending.length === 0) {
        const wait = lastWrite + gapMs - performance.now();
        if (wait <= 0) setImmediate(flush);
        else setTimeout(flush, wait).unref();
      }
      pending.push(text);
      return true;
    },
  };
}

let info: LineSink | undefined;

/** The process's info lines (stdout), one batch for every log it creates, so that their order holds. */
export const infoLines = (): LineSink => (info ??= batchedLines(process.stdout));
