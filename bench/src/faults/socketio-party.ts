import { io, type Socket } from "socket.io-client";
import { Drops, stampNumber, type FaultParty, type OnDelivery } from "./party.ts";

/**
 * The references' side of the faults scenario: plain socket.io-client sockets, as their
 * recipes' users run them. The sender sends with an acknowledgement and Socket.IO's own
 * retries (`retries` and `ackTimeout`, the settings its documentation gives for delivery at
 * least once: 3 retries, 10 s each); a message is failed when they run out. Receivers take
 * what arrives; a socket that drops reconnects on its own, and on the streams recipe asks for
 * the packets it missed (connection state recovery).
 */
export async function openSocketIoParty(url: string, room: string, receivers: number, onDelivery: OnDelivery): Promise<FaultParty> {
  const sockets: Socket[] = [];
  const drops = new Drops(receivers);
  const connected = (socket: Socket, member: number) =>
    new Promise<void>((resolve, reject) => {
      sockets.push(socket);
      socket.on("disconnect", () => drops.drop(member));
      socket.once("connect", () => resolve());
      socket.once("connect_error", (error) => reject(error));
    });
  try {
    // The sender first: the first connection a fresh cluster takes tends to go to its first worker, the one the worker fault kills.
    const sender = io(url, { auth: { room }, retries: 3, ackTimeout: 10_000 });
    await connected(sender, receivers);
    const arrivals: Promise<void>[] = [];
    for (let i = 0; i < receivers; i++) {
      const socket = io(url, { auth: { room } });
      socket.on("chat message", (payload: unknown) => {
        const n = stampNumber(payload);
        if (n !== undefined) onDelivery(i, n);
      });
      arrivals.push(connected(socket, i));
    }
    await Promise.all(arrivals);
    return {
      send: (n) =>
        sender.emitWithAck("chat message", { n }).then(
          () => true,
          () => false,
        ),
      dropped: () => drops.summary(),
      close: async () => {
        for (const socket of sockets) socket.disconnect();
      },
    };
  } catch (error) {
    for (const socket of sockets) socket.disconnect();
    throw error;
  }
}
