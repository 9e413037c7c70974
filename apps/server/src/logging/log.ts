import { createJsonLog } from "./log-json.ts";
import { infoLines } from "./log-lines.ts";
import type { Log, LogFormat, LogSource } from "./log-types.ts";

export type { Log, LogFormat, LogSource } from "./log-types.ts";

const describe = (cause: unknown): string =>
  cause instanceof Error ? cause.message || cause.name : String(cause);

const createTextLog = (who: string): Log => ({
  info: (line) => infoLines().write(`${who}, ${line}\n`),
  error: (line, cause) =>
    process.stderr.write(`${who}, ${line}${cause === undefined ? "" : `: ${describe(cause)}`}\n`),
});

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
