import {
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  ErrorReply,
  SocketClosedUnexpectedlyError,
  TimeoutError,
  TimeoutReadError,
} from "redis";
import { StoreUnavailableError } from "../messages/message-store.ts";

/** How long a request waits for Redis when REDIS_TIMEOUT_MS does not say. */
export const defaultRedisTimeoutMs = 3000;

/** The state of a node-redis client a guard reads. */
export interface Connection {
  readonly isReady: boolean;
}

/** Runs one Redis call for a request; see `guardRequests`. */
export type RequestGuard = <T>(command: () => Promise<T>) => Promise<T>;

/**
 * Runs the Redis calls that requests wait for so that Redis in trouble is answered promptly,
 * as `StoreUnavailableError`: at once while the connection is down (node-redis would hold the
 * call until it is back, however long that takes), and after `timeoutMs` when Redis does not
 * answer (hung, or too slow to be of use). A call given up on may still run when Redis wakes:
 * what it writes is written as if it had been in time, which a retry with the same clientId
 * then finds.
 */
export function guardRequests(redis: Connection, timeoutMs: number): RequestGuard {
  return async (command) => {
    if (!redis.isReady) throw new StoreUnavailableError(new Error("not connected"));
    try {
      return await withDeadline(command(), timeoutMs);
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      if (!redis.isReady || isUnreachable(error)) throw new StoreUnavailableError(error);
      throw error;
    }
  };
}

/** `work`, or `StoreUnavailableError` if it has not settled within `timeoutMs`. */
export function withDeadline<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new StoreUnavailableError(new Error(`no answer from Redis within ${timeoutMs} ms`))),
      timeoutMs,
    );
  });
  // The race handles a rejection of `work` that comes after the deadline: none goes unhandled.
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Redis's answers that mean "not now" rather than "wrong": a cluster without a master for the slot, a node loading its data. */
const notNowReplies = /^(CLUSTERDOWN|TRYAGAIN|MASTERDOWN|LOADING)\b/;

/**
 * Whether `error` says that the node a command went to cannot be reached now, rather than
 * that the command is wrong. With one Redis the client's own state tells it; in a cluster
 * the cluster client stays ready while one of its masters is down, and the command to that
 * master fails with one of these.
 */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof ErrorReply) return notNowReplies.test(error.message);
  return (
    error instanceof ClientOfflineError ||
    error instanceof ClientClosedError ||
    error instanceof SocketClosedUnexpectedlyError ||
    error instanceof ConnectionTimeoutError ||
    // node-redis's own deadline on a command (a cluster's node connections keep its default)
    error instanceof TimeoutError ||
    error instanceof TimeoutReadError
  );
}
