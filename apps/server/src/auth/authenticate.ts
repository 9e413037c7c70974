import { HandshakeAuth } from "@chat/protocol";
import * as z from "zod";
import type { ChatSocket } from "../app/chat-socket.ts";
import type { Config } from "../config.ts";
import { RefusedConnection, type HandshakeRefusalReason } from "./refused-connection.ts";
import { trustHandshakeName } from "./trust.ts";
import { verifyToken, type TokenRefusal } from "./token.ts";

/** A Socket.IO middleware that sets `socket.data.name` or refuses the connection. */
export type ConnectionMiddleware = (socket: ChatSocket, next: (error?: Error) => void) => void;

/** The handshake of token mode: the protocol's, with the token required. */
const TokenAuth = HandshakeAuth.safeExtend({
  token: z.string({
    error: (issue) =>
      issue.input === undefined
        ? "a token is required: this server accepts only signed tokens (auth: { token })"
        : "token must be a string",
  }),
});

const refuse = (reason: HandshakeRefusalReason, message: string) =>
  new RefusedConnection({ code: "unauthorized", message }, reason);

const reasonOfToken: Record<TokenRefusal, HandshakeRefusalReason> = {
  malformed: "malformed_token",
  bad_signature: "bad_signature",
  invalid_name: "invalid_name",
  expired: "expired_token",
};

/**
 * The user's identity, by `AUTH_MODE`:
 * - `trust`: the handshake's `name`, as it says (a token, if any, is ignored);
 * - `token`: the `sub` of a token signed with `AUTH_SECRET` and unexpired, and nothing
 *   else. A handshake may also carry a `name` (clients show it), but one that differs from
 *   the token's is refused rather than ignored, so that a client never believes it is
 *   someone it is not.
 * A refusal is `connect_error` data `{ code: "unauthorized", message }` with the reason.
 */
export function createAuthenticate(config: Pick<Config, "AUTH_MODE" | "AUTH_SECRET">): ConnectionMiddleware {
  if (config.AUTH_MODE === "trust") return trustHandshakeName;
  const secret = config.AUTH_SECRET;
  if (secret === undefined) throw new Error("AUTH_SECRET is required when AUTH_MODE is token");
  return (socket, next) => {
    const parsed = TokenAuth.safeParse(socket.handshake.auth);
    if (!parsed.success) {
      next(refuse("invalid_handshake", `invalid handshake: ${parsed.error.issues.map((issue) => issue.message).join("; ")}`));
      return;
    }
    const check = verifyToken(secret, parsed.data.token);
    if (!check.ok) {
      next(refuse(reasonOfToken[check.reason], check.message));
      return;
    }
    const { sub } = check.payload;
    if (parsed.data.name !== undefined && parsed.data.name !== sub) {
      next(refuse("name_mismatch", `the handshake's name ${JSON.stringify(parsed.data.name)} is not the token's ${JSON.stringify(sub)}`));
      return;
    }
    socket.data.name = sub;
    next();
  };
}
