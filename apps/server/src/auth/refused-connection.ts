import type { ConnectRefusal } from "@chat/protocol";

/** An error whose `data` Socket.IO hands to the client's `connect_error`. */
export class RefusedConnection extends Error {
  readonly data: ConnectRefusal;
  constructor(data: ConnectRefusal) {
    super(data.message);
    this.data = data;
  }
}
