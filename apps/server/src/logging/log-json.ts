import { pino } from "pino";
import { infoLines } from "./log-lines.ts";
import type { Log, LogSource } from "./log-types.ts";

/**
 * The JSON log: one pino object a line, with `role` and, for a worker, `worker` in every
 * line. As with the text log, info lines go to stdout, at most one write every 25 ms, and
 * errors to stderr at once; writes are synchronous, and info lines still pending are written
 * as the process exits, so that nothing is lost when it exits right after a line.
 */
export function createJsonLog(source: LogSource | { role: string }): Log {
  const logger = pino(
    {
      base: { ...source, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.multistream(
      [
        { level: "info", stream: infoLines() },
        { level: "error", stream: pino.destination({ fd: 2, sync: true }) },
      ],
      { dedupe: true },
    ),
  );
  return {
    info: (line) => logger.info(line),
    error: (line, cause) => (cause === undefined ? logger.error(line) : logger.error({ err: cause }, line)),
  };
}
