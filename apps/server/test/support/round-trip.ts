import type { TestClient } from "@chat/test-kit";
import { ok } from "./requests.ts";

/**
 * A request and its answer, to stand behind everything sent to `client` so far. In one
 * process every push is written as the request that causes it is handled, before that
 * request's ack; one connection's packets arrive in order. So once a request of the sender
 * is answered, a round trip of the receiver's proves that whatever the receiver was sent for
 * it has arrived: what has not arrived by then was never sent.
 */
export async function roundTrip(client: TestClient): Promise<void> {
  await ok(client, "room:list");
}
