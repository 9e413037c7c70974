import { request as httpRequest } from "node:http";
import { parseOpenPacket, type EngineOpen } from "./session.ts";

/*
 * Engine.IO over plain HTTP: requests on connections of their own and long-polling sessions
 * driven by hand, for tests that send what no well-behaved client would.
 */

/** A plain HTTP response, its body whole. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTP request on a connection of its own (no keep-alive agent). */
export function rawHttp(
  port: number,
  { method = "GET", path, headers = {}, body }: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string },
  timeoutMs = 15_000,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`${method} ${path.slice(0, 80)}: no response within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(body);
  });
}

export const pollingPath = (sid?: string) =>
  `/socket.io/?EIO=4&transport=polling${sid === undefined ? "" : `&sid=${encodeURIComponent(sid)}`}`;

/** Opens a long-polling Engine.IO session and returns what its open packet says. */
export async function pollingHandshake(port: number): Promise<EngineOpen> {
  const response = await rawHttp(port, { path: pollingPath() });
  if (response.status !== 200) throw new Error(`handshake answered ${response.status}: ${response.body.toString()}`);
  return parseOpenPacket(response.body.toString("utf8"));
}

/** The packets of one long-polling response body (Engine.IO v4 separates them with U+001E). */
export const pollingPackets = (body: Buffer): string[] => body.toString("utf8").split("\x1e");

/** A Socket.IO session over long-polling, driven by hand. */
export interface PollingChat {
  readonly sid: string;
  /** The Socket.IO socket id of the namespace connection (what the worker logs). */
  readonly socketId: string;
  readonly open: EngineOpen;
  post(body: Buffer | string, headers?: Record<string, string>): Promise<RawResponse>;
  /** One GET: the packets the server had for this session (waits up to pingInterval if it had none). */
  poll(): Promise<{ status: number; packets: string[] }>;
}

/** A long-polling session connected to the main namespace as `name`. */
export async function openPollingChat(port: number, name: string): Promise<PollingChat> {
  const open = await pollingHandshake(port);
  const chat: Omit<PollingChat, "socketId"> = {
    sid: open.sid,
    open,
    post: (body, headers = { "Content-Type": "text/plain;charset=UTF-8" }) =>
      rawHttp(port, { method: "POST", path: pollingPath(open.sid), headers, body }),
    poll: async () => {
      const response = await rawHttp(port, { path: pollingPath(open.sid) }, 40_000);
      return { status: response.status, packets: response.status === 200 ? pollingPackets(response.body) : [] };
    },
  };
  const posted = await chat.post(`40${JSON.stringify({ name })}`);
  if (posted.status !== 200) throw new Error(`namespace connect answered ${posted.status}`);
  const { packets } = await chat.poll();
  const connected = packets.find((packet) => packet.startsWith("40{"));
  if (connected === undefined) throw new Error(`namespace connect not acknowledged: ${JSON.stringify(packets)}`);
  const { sid: socketId } = JSON.parse(connected.slice(2)) as { sid: string };
  return { ...chat, socketId };
}

