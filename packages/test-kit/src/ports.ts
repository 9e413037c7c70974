import { connect, createServer, type Server } from "node:net";

/**
 * Ports this process has handed out lately. The system may give a port just closed to the
 * next caller; one of them would then fail to listen. Kept for a while, never handed out again.
 */
const handedOut = new Map<number, number>();
const rememberMs = 10 * 60_000;

const listening = async (): Promise<Server> => {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return server;
};

const portOf = (server: Server): number => {
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
};

/**
 * `count` distinct ports nothing listens on right now, none handed out by this process in the
 * last ten minutes. All are held open together while they are chosen, so that the system
 * cannot give one of them twice.
 */
export async function freePorts(count: number): Promise<number[]> {
  const held: Server[] = [];
  const chosen: number[] = [];
  try {
    for (let tries = 0; chosen.length < count; tries++) {
      if (tries > 100 * count) throw new Error(`no ${count} free ports`);
      const server = await listening();
      held.push(server);
      const port = portOf(server);
      const given = handedOut.get(port);
      if (given !== undefined && Date.now() - given < rememberMs) continue;
      chosen.push(port);
    }
  } finally {
    await Promise.all(held.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
  const now = Date.now();
  for (const port of chosen) handedOut.set(port, now);
  return chosen;
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error("no port");
  return port;
}

/** Whether something on this host accepts a TCP connection on `port` right now. */
export const acceptsConnections = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
