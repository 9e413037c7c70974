import { HandshakeAuth, UserName, type ConnectRefusal } from "@chat/protocol";
import type { ChatSocket } from "./chat-socket.ts";

/** An error whose `data` Socket.IO hands to the client's `connect_error`. */
export class RefusedConnection extends Error {
  readonly data: ConnectRefusal;
  constructor(data: ConnectRefusal) {
    super(data.message);
    this.data = data;
  }
}

/** The handshake of trust mode: the protocol's, with the name required (a token is ignored). */
const TrustedAuth = HandshakeAuth.safeExtend({ name: UserName });

/**
 * Trust mode (`AUTH_MODE=trust`, see `auth/authenticate.ts` for token mode): the user's
 * identity comes from here and nowhere else: the handshake's `auth.name`, validated with
 * the protocol's schema.
 */
export const authenticate = (socket: ChatSocket, next: (error?: Error) => void): void => {
  const parsed = TrustedAuth.safeParse(socket.handshake.auth);
  if (!parsed.success) {
    const reason = parsed.error.issues.map((issue) => issue.message).join("; ");
    next(new RefusedConnection({ code: "unauthorized", message: `invalid handshake: ${reason}` }));
    return;
  }
  socket.data.name = parsed.data.name;
  next();
};
