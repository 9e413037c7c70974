import { describe, expect, it } from "vitest";
import { unreachableCause } from "../src/connect-errors.ts";

/** A connect_error as socket.io-client raises it, with the transport's own error where it keeps it. */
const connectError = (message: string, extra: Record<string, unknown>): Error => Object.assign(new Error(message), extra);

/**
 * The causes a test cannot provoke on loopback alone (a host that does not resolve, a route
 * that does not exist), named from the errors socket.io-client wraps them in.
 */
describe("why the server cannot be reached, in words", () => {
  it("a WebSocket whose lookup failed: the Node error inside the ErrorEvent", () => {
    const error = connectError("websocket error", { description: { error: { code: "ENOTFOUND" } } });
    expect(unreachableCause(error)).toBe("host not found (ENOTFOUND)");
  });

  it("a long-polling request that timed out: the Node error in the request's statusText", () => {
    const error = connectError("xhr poll error", { context: { statusText: { code: "ETIMEDOUT" }, status: 0 } });
    expect(unreachableCause(error)).toBe("connection timed out (ETIMEDOUT)");
  });

  it("each address of a host tried in turn: the first code in the AggregateError", () => {
    const error = connectError("websocket error", { description: { error: { errors: [{ code: "EHOSTUNREACH" }, { code: "ENETUNREACH" }] } } });
    expect(unreachableCause(error)).toBe("host unreachable (EHOSTUNREACH)");
  });

  it("a server that answered with an error status: the status", () => {
    expect(unreachableCause(connectError("xhr poll error", { description: 502, context: { status: 502 } }))).toBe("the server answered HTTP 502");
  });

  it("a code it has no words for is given as it is; no code at all, the message", () => {
    expect(unreachableCause(connectError("websocket error", { description: { error: { code: "EPROTO" } } }))).toBe("EPROTO");
    expect(unreachableCause(connectError("timeout", {}))).toBe("no answer in time");
  });
});
