import { z } from "zod";
import { UserName } from "./names.ts";

/**
 * What a client sends in Socket.IO's `auth` when it connects. The server takes the
 * user's identity from here, never from an event's payload.
 */
export const HandshakeAuth = z.strictObject({ name: UserName });
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
