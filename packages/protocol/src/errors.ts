import * as z from "zod";
import type { StrictObject } from "./schema-types.ts";

/** Every error code, each with what it means; a new code is one more line here. */
const errorCodes = [
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
  /** The room is private and the user is not one of its members: a member must invite them first. */
  "not_invited",
  /** `room:create` of a name already in use (a room with history, or a private room). */
  "room_exists",
  /** The user has created as many rooms today (UTC) as the server allows; try again tomorrow. */
  "room_quota_exceeded",
  /**
   * The clientId was used before for a message with other text: nothing was stored. A retry
   * resends the same text; a new message needs a new clientId.
   */
  "client_id_reused",
  /**
   * A dependency (Redis) is down or does not answer in time; the request may be retried. A
   * send refused this way while Redis hung may still be stored once Redis wakes: its retry
   * with the same clientId and text is then answered with that message's id.
   */
  "unavailable",
  /** A fault of the server; the request may or may not have taken effect. */
  "internal",
] as const;

/**
 * The closed set of reasons a request can fail. Clients switch on the code; the message
 * is for people.
 */
export const ErrorCode: z.ZodEnum<z.core.util.ToEnum<(typeof errorCodes)[number]>> = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** Where a payload went wrong, one entry a problem. */
export const ValidationIssue: StrictObject<{
  path: z.ZodArray<z.ZodUnion<readonly [z.ZodString, z.ZodNumber]>>;
  message: z.ZodString;
}> = z.strictObject({
  path: z.array(z.union([z.string(), z.number()])),
  message: z.string(),
});
export type ValidationIssue = z.infer<typeof ValidationIssue>;

export const ErrorBody: StrictObject<{
  code: typeof ErrorCode;
  message: z.ZodString;
  issues: z.ZodOptional<z.ZodArray<typeof ValidationIssue>>;
}> = z.strictObject({
  code: ErrorCode,
  message: z.string(),
  issues: z.array(ValidationIssue).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
