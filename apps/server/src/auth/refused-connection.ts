import type { ConnectRefusal } from "@chat/protocol";

/** Why a handshake was refused, as the metrics count it: a closed set, never the client's words. */
export const handshakeRefusalReasons = [
  "invalid_handshake",
  "malformed_token",
  "bad_signature",
  "invalid_name",
  "expired_token",
  "name_mismatch",
  "user_connections",
  "server_full",
  "shutting_down",
] as const;
export type HandshakeRefusalReason = (typeof handshakeRefusalReasons)[number];

/** An error whose `data` Socket.IO hands to the client's `connect_error`; `reason` stays on the server. */
export class RefusedConnection extends Error {
  readonly data: ConnectRefusal;
  readonly reason: HandshakeRefusalReason;
  constructor(data: ConnectRefusal, reason: HandshakeRefusalReason) {
    super(data.message);
    this.data = data;
    this.reason = reason;
  }
}
