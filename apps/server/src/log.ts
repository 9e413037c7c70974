import { createJsonLog, type LogSource } from "./log-json.ts";
import { infoLines } from "./log-lines.ts";

export type { LogSource } from "./log-json.ts";

/**
 * One line a event, prefixed with who wrote it (`worker: 2`, `primary`). Errors go to
 * stderr so that a pipe of stdout holds only the service's own account. Info lines are
 * written together, at most one write every 25 ms (see log-lines.ts), errors at once.
 */
export interface Log {
  info(line: string): void;
  error(line: string, cause?: unknown): void;
}

const describe = (cause: unknown): string =>
  cause instanceof Error ? cause.message || cause.name : String(cause);

const createTextLog = (who: string): Log => ({
  info: (line) => infoLines().write(`${who}, ${line}\n`),
  error: (line, cause) =>
    process.stderr.write(`${who}, ${line}${cause === undefined ? "" : `: ${describe(cause)}`}\n`),
});

/** LOG_FORMAT: `text`, the lines above; `json`, one pino object a line (see log-json.ts). */
export type LogFormat = "text" | "json";

/** `primary`, `worker: 2`: the text log's prefix, and the JSON log's `role` and `worker`. */
const sourceOf = (who: string | LogSource): { prefix: string; fields: LogSource | { role: string } } => {
  if (typeof who !== "string") return { prefix: who.role === "primary" ? "primary" : `worker: ${who.worker}`, fields: who };
  const worker = /^worker: (\d+)$/.exec(who)?.[1];
  return { prefix: who, fields: worker === undefined ? { role: who } : { role: "worker", worker: Number(worker) } };
};

export const createLog = (who: string | LogSource, format: LogFormat = "text"): Log => {
  const { prefix, fields } = sourceOf(who);
  return format === "json" ? createJsonLog(fields) : createTextLog(prefix);
};
