import * as z from "zod";
import { ErrorBody, type ErrorCode, type ValidationIssue } from "./errors.ts";

/** The failure half of every acknowledgement. */
export const AckFailure = z.strictObject({ ok: z.literal(false), error: ErrorBody });
export type AckFailure = z.infer<typeof AckFailure>;

/** The schema of an acknowledgement whose success carries `data`. */
export const ackOf = <Data extends z.ZodType>(data: Data) =>
  z.discriminatedUnion("ok", [z.strictObject({ ok: z.literal(true), data }), AckFailure]);

/** `{ ok: true, data } | { ok: false, error }`: the one envelope every request is answered with. */
export type Ack<Data> = { ok: true; data: Data } | AckFailure;

export const ok = <Data>(data: Data): Ack<Data> => ({ ok: true, data });

export const fail = (code: ErrorCode, message: string, issues?: ValidationIssue[]): AckFailure => ({
  ok: false,
  error: issues === undefined ? { code, message } : { code, message, issues },
});

/** Turns zod's issues into the wire's, which carry only what a client can act on. */
export const issuesOf = (error: z.ZodError): ValidationIssue[] =>
  error.issues.map((issue) => ({
    path: issue.path.map((key) => (typeof key === "number" ? key : String(key))),
    message: issue.message,
  }));
