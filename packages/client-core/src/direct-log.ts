import type { DirectMessage, UserName } from "@chat/protocol";

/**
 * The user's direct messages, each once, per person. A message's id orders one inbox only
 * (the sender's and the recipient's differ), so a message is known by its client id when it
 * has one (the ack of one's own send and its copy in the inbox then meet), by sender and id
 * otherwise; each conversation is kept in the order of the times the server gave.
 */
export class DirectLog {
  readonly #keys = new Set<string>();
  readonly #byPeer = new Map<UserName, DirectMessage[]>();
  readonly #me: () => UserName | undefined;

  constructor(me: () => UserName | undefined) {
    this.#me = me;
  }

  peerOf(message: DirectMessage): UserName {
    return message.from === this.#me() ? message.to : message.from;
  }

  get peers(): UserName[] {
    return [...this.#byPeer.keys()];
  }

  with(peer: UserName): readonly DirectMessage[] {
    return this.#byPeer.get(peer) ?? [];
  }

  /** Adds `message` in its place; false when it was there already. */
  add(message: DirectMessage): boolean {
    const key = message.clientId === undefined ? `${message.from} ${message.id}` : `${message.from} ${message.clientId}`;
    if (this.#keys.has(key)) return false;
    this.#keys.add(key);
    const peer = this.peerOf(message);
    let list = this.#byPeer.get(peer);
    if (list === undefined) this.#byPeer.set(peer, (list = []));
    let at = list.length;
    while (at > 0 && (list[at - 1] as DirectMessage).sentAt > message.sentAt) at -= 1;
    list.splice(at, 0, message);
    return true;
  }
}
