/** Node's error codes a failed connection ends with, in words. */
const codeWords: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EPIPE: "connection closed",
  DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed certificate",
  SELF_SIGNED_CERT_IN_CHAIN: "self-signed certificate in the chain",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "certificate not trusted",
  CERT_HAS_EXPIRED: "certificate expired",
  ERR_TLS_CERT_ALTNAME_INVALID: "certificate is for another host",
};

const field = (value: unknown, key: string): unknown =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;

/** The first Node error code found in `value` or what it wraps (an AggregateError tries each address). */
function codeIn(value: unknown, depth = 0): string | undefined {
  if (depth > 3 || typeof value !== "object" || value === null) return undefined;
  const code = field(value, "code");
  if (typeof code === "string" && code !== "") return code;
  const errors = field(value, "errors");
  const nested = [field(value, "error"), field(value, "cause"), ...(Array.isArray(errors) ? errors : [])];
  for (const inner of nested) {
    const found = codeIn(inner, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Why socket.io-client could not connect, for a person: "connection refused" rather than
 * "xhr poll error". The transport's own error sits in `description` (WebSocket: an
 * ErrorEvent whose `error` is Node's) or `context` (long-polling: the XMLHttpRequest, whose
 * `statusText` holds Node's error, or an HTTP status when the server answered).
 */
export function unreachableCause(error: Error): string {
  const description = field(error, "description");
  const context = field(error, "context");
  const code = codeIn(description) ?? codeIn(field(context, "statusText")) ?? codeIn(context) ?? codeIn(error);
  if (code !== undefined) return codeWords[code] === undefined ? code : `${codeWords[code]} (${code})`;
  const status = typeof description === "number" ? description : field(context, "status");
  if (typeof status === "number" && status > 0) return `the server answered HTTP ${status}`;
  if (error.message === "timeout") return "no answer in time";
  return error.message;
}
