import * as z from "zod";
import { UserName } from "./names.ts";

/** A signed token the server issued; its format is the server's business, not the protocol's. */
const AuthToken = z
  .string({ error: "token must be a string" })
  .min(1, { error: "token must not be empty" });

/**
 * What a client sends in Socket.IO's `auth` when it connects: `{ name }`, `{ token }` or
 * both. The server takes the user's identity from here, never from an event's payload: a
 * server in trust mode takes `name` (and ignores a token); one in token mode takes the
 * name the token was issued to, and refuses a `name` that differs from it.
 */
export const HandshakeAuth = z
  .strictObject({ name: UserName.optional(), token: AuthToken.optional() })
  .refine((auth) => auth.name !== undefined || auth.token !== undefined, {
    error: "a user name or a token is required",
  });
export type HandshakeAuth = z.infer<typeof HandshakeAuth>;

/**
 * The error a refused connection carries in `connect_error`'s `data`: `unauthorized` (no
 * valid identity: retrying will not help) or `unavailable` (the server is full or shutting
 * down: try again, possibly elsewhere).
 */
export const ConnectRefusal = z.strictObject({
  code: z.enum(["unauthorized", "unavailable"]),
  message: z.string(),
});
export type ConnectRefusal = z.infer<typeof ConnectRefusal>;
