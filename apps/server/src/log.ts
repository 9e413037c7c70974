/**
 * One line a event, prefixed with who wrote it (`worker: 2`, `primary`). Errors go to
 * stderr so that a pipe of stdout holds only the service's own account.
 */
export interface Log {
  info(line: string): void;
  error(line: string, cause?: unknown): void;
}

const describe = (cause: unknown): string =>
  cause instanceof Error ? cause.message || cause.name : String(cause);

export const createLog = (who: string): Log => ({
  info: (line) => process.stdout.write(`${who}, ${line}\n`),
  error: (line, cause) =>
    process.stderr.write(`${who}, ${line}${cause === undefined ? "" : `: ${describe(cause)}`}\n`),
});
