import * as z from "zod";

/**
 * The closed set of reasons a request can fail. Clients switch on the code; the message
 * is for people.
 */
export const ErrorCode = z.enum([
  /** The arguments do not match the event's schema. */
  "invalid_payload",
  /** The event name is not part of the protocol. */
  "unknown_event",
  /** The connection has no valid identity. */
  "unauthorized",
  /** The user may not do this (for example, send to a room they have not joined). */
  "forbidden",
  /** The thing named (a user, a room, a message) does not exist. */
  "not_found",
  /** Too many requests; try again later. */
  "rate_limited",
  /** A dependency (Redis) is down; nothing was done, so the request may be retried. */
  "unavailable",
  /** A fault of the server; the request may or may not have taken effect. */
  "internal",
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** Where a payload went wrong, one entry a problem. */
export const ValidationIssue = z.strictObject({
  path: z.array(z.union([z.string(), z.number()])),
  message: z.string(),
});
export type ValidationIssue = z.infer<typeof ValidationIssue>;

export const ErrorBody = z.strictObject({
  code: ErrorCode,
  message: z.string(),
  issues: z.array(ValidationIssue).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
