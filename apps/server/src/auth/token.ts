import { createHmac, timingSafeEqual } from "node:crypto";
import { UserName } from "@chat/protocol";
import * as z from "zod";

/**
 * Signed tokens: `<base64url(JSON payload)>.<base64url(HMAC-SHA256(secret, first part))>`,
 * the payload `{ sub: <user name>, exp: <unix seconds> }`. Whoever holds the secret can
 * issue them; the server checks the signature, then the payload, then the expiry.
 */

/** What a token says: who it was issued to and until when it is good. */
export interface TokenPayload {
  /** The user name: the identity of whoever connects with the token. */
  sub: UserName;
  /** When the token stops being accepted, in seconds since the Unix epoch. */
  exp: number;
}

/** Why a token was refused; each reason has its own message. */
export type TokenRefusal = "malformed" | "bad_signature" | "invalid_name" | "expired";

export type TokenCheck =
  | { ok: true; payload: TokenPayload }
  | { ok: false; reason: TokenRefusal; message: string };

/** Longer than any token this server issues (they are about 130 characters); refused unread. */
export const tokenMaxLength = 1024;

/** The payload's shape; the name is checked separately, so that a bad one has its own reason. */
const PayloadShape = z.strictObject({
  sub: z.string(),
  exp: z.number().int().nonnegative(),
});

const base64urlPart = /^[A-Za-z0-9_-]+$/;

/** The signature part for a payload part: base64url of HMAC-SHA256(secret, payload part). */
const sign = (secret: string, encodedPayload: string): string =>
  createHmac("sha256", secret).update(encodedPayload).digest("base64url");

/**
 * A token for `sub`, good for `ttlSeconds` from `now` (milliseconds since the epoch).
 * Throws on a name that is not a valid user name or a ttl that is not a positive whole number.
 */
export function mintToken(secret: string, sub: string, ttlSeconds: number, now: number = Date.now()): string {
  const name = UserName.safeParse(sub);
  if (!name.success) throw new Error(`invalid name ${JSON.stringify(sub)}: ${name.error.issues[0]?.message ?? "invalid"}`);
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1) {
    throw new Error(`invalid ttl ${ttlSeconds}: expected a whole number of seconds, at least 1`);
  }
  const payload: TokenPayload = { sub: name.data, exp: Math.floor(now / 1000) + ttlSeconds };
  const encodedPayload = Buffer.from(JSON.stringify(payload)).toString("base64url");
  return `${encodedPayload}.${sign(secret, encodedPayload)}`;
}

/**
 * Checks a token against `secret` at `now` (milliseconds since the epoch): the signature
 * first (nothing unsigned is read), then the payload's shape, the name, the expiry.
 */
export function verifyToken(secret: string, token: string, now: number = Date.now()): TokenCheck {
  const malformed = (detail: string): TokenCheck => ({ ok: false, reason: "malformed", message: `malformed token: ${detail}` });
  if (token.length > tokenMaxLength) return malformed(`longer than ${tokenMaxLength} characters`);
  const parts = token.split(".");
  const [encodedPayload, encodedSignature] = parts;
  if (parts.length !== 2 || encodedPayload === undefined || encodedSignature === undefined) {
    return malformed('expected two base64url parts joined by "."');
  }
  if (!base64urlPart.test(encodedPayload) || !base64urlPart.test(encodedSignature)) {
    return malformed("a part is not base64url");
  }

  // Compared as text: a signature is good only in the one form this server writes.
  const signature = Buffer.from(encodedSignature);
  const expected = Buffer.from(sign(secret, encodedPayload));
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
    return { ok: false, reason: "bad_signature", message: "bad token signature: the token was not issued with this server's secret" };
  }

  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(encodedPayload, "base64url").toString("utf8"));
  } catch {
    return malformed("the payload is not JSON");
  }
  const shape = PayloadShape.safeParse(json);
  if (!shape.success) return malformed("the payload is not { sub: <name>, exp: <unix seconds> }");
  const name = UserName.safeParse(shape.data.sub);
  if (!name.success) {
    return {
      ok: false,
      reason: "invalid_name",
      message: `invalid name in token ${JSON.stringify(shape.data.sub)}: ${name.error.issues[0]?.message ?? "invalid"}`,
    };
  }
  if (shape.data.exp * 1000 <= now) {
    return { ok: false, reason: "expired", message: `token expired at ${new Date(shape.data.exp * 1000).toISOString()}` };
  }
  return { ok: true, payload: { sub: name.data, exp: shape.data.exp } };
}
