import type { ErrorCode } from "@chat/protocol";

/** Why a request failed: the server's error code, or `timeout` when no answer came in time. */
export type FailureCode = ErrorCode | "timeout";

export interface Failure {
  code: FailureCode;
  /** For people: the server's words, or the client's. */
  message: string;
  /** With `rate_limited`: how long to wait before the server accepts another, when it said. */
  retryAfterMs?: number;
}

/**
 * The wait a `rate_limited` answer names ("… try again in 1.2 s"). The protocol carries it
 * only in the words, so this reads the words; a message without it gives undefined.
 */
export const retryAfterMsOf = (message: string): number | undefined => {
  const seconds = /try again in (\d+(?:\.\d+)?) s\b/.exec(message)?.[1];
  return seconds === undefined ? undefined : Math.round(Number(seconds) * 1000);
};

/** A failure as the client reports it: the server's error, with the wait read out of a rate limit. */
export const failureOf = (error: { code: FailureCode; message: string }): Failure => {
  const retryAfterMs = error.code === "rate_limited" ? retryAfterMsOf(error.message) : undefined;
  return retryAfterMs === undefined ? { code: error.code, message: error.message } : { ...error, retryAfterMs };
};
