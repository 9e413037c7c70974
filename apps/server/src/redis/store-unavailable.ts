/** A store (Redis) cannot be reached or does not answer in time: the request is refused as `unavailable`. */
export class StoreUnavailableError extends Error {
  override name = "StoreUnavailableError";
  constructor(cause: unknown) {
    super("the store is unreachable", { cause });
  }
}
