import { HandshakeAuth, UserName } from "@chat/protocol";
import type { ChatSocket } from "../app/chat-socket.ts";
import { RefusedConnection } from "./refused-connection.ts";

/** The handshake of trust mode: the protocol's, with the name required (a token is ignored). */
const TrustedAuth = HandshakeAuth.safeExtend({ name: UserName });

/**
 * Trust mode (`AUTH_MODE=trust`, see `authenticate.ts` for token mode): the user's
 * identity comes from here and nowhere else: the handshake's `auth.name`, validated with
 * the protocol's schema.
 */
export const trustHandshakeName = (socket: ChatSocket, next: (error?: Error) => void): void => {
  const parsed = TrustedAuth.safeParse(socket.handshake.auth);
  if (!parsed.success) {
    const reason = parsed.error.issues.map((issue) => issue.message).join("; ");
    next(new RefusedConnection({ code: "unauthorized", message: `invalid handshake: ${reason}` }, "invalid_handshake"));
    return;
  }
  socket.data.name = parsed.data.name;
  next();
};
