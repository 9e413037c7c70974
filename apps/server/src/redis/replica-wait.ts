import { StoreUnavailableError } from "../messages/message-store.ts";

/** Sends `WAIT` on the connection that wrote `key` and resolves with how many replicas acknowledged. */
export type WaitOnKeyNode = (key: string, replicas: number, timeoutMs: number) => Promise<number>;

/**
 * Waits until what was just written under `key` has reached `replicas` replicas, or throws
 * `StoreUnavailableError`: called after a script stored a message and before its sender is
 * told, so that a failover of the master cannot lose an acknowledged message. `WAIT` counts
 * every write made before it on its connection, so it goes on the connection the script went
 * on: the one to the master of `key`'s slot. That connection is shared by every command this
 * process sends to that master, and each of them queued behind the `WAIT` waits with it, up
 * to `timeoutMs`. With `replicas` 0 it does nothing.
 *
 * A message whose replicas did not answer in time is stored all the same (on the master, and
 * maybe on the replicas later): the sender is told `unavailable`, and its retry with the same
 * clientId finds it and gets its id.
 */
export function replicaWait(waitOn: WaitOnKeyNode, replicas: number, timeoutMs: number): (key: string) => Promise<void> {
  if (replicas === 0) return async () => undefined;
  return async (key) => {
    const acknowledged = await waitOn(key, replicas, timeoutMs);
    if (acknowledged < replicas) {
      throw new StoreUnavailableError(new Error(`${acknowledged} of ${replicas} replicas acknowledged the write within ${timeoutMs} ms`));
    }
  };
}
