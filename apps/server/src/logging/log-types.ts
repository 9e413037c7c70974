/**
 * One line a event, prefixed with who wrote it (`worker: 2`, `primary`). Errors go to
 * stderr so that a pipe of stdout holds only the service's own account. Info lines are
 * written together, at most one write every 25 ms (see log-lines.ts), errors at once.
 */
export interface Log {
  info(line: string): void;
  error(line: string, cause?: unknown): void;
}

/** Who writes a log: the primary (or the single process's own account), or a worker by cluster id. */
export type LogSource = { role: "primary" } | { role: "worker"; worker: number };

/** LOG_FORMAT: `text`, one readable line an event; `json`, one pino object a line (see log-json.ts). */
export type LogFormat = "text" | "json";
