import {
  ackSchemaOf,
  type Ack,
  type ClientEventArgs,
  type ClientEventName,
  type ClientEventResult,
  type ErrorBody,
} from "@chat/protocol";
import { type TestClient } from "@chat/test-kit";
import { untyped } from "./wire.ts";

/**
 * Typed requests whose answers are checked against the protocol's ack schema, so that a
 * malformed answer fails the test instead of passing for a good one.
 */

const requestTimeoutMs = 15_000;

/** Sends `event` and resolves with its acknowledgement, parsed with the protocol's schema. */
export function request<E extends ClientEventName>(
  client: TestClient,
  event: E,
  ...args: ClientEventArgs<E> & unknown[]
): Promise<Ack<ClientEventResult<E>>> {
  return send(client, event, args);
}

async function send<E extends ClientEventName>(
  client: TestClient,
  event: E,
  args: readonly unknown[],
): Promise<Ack<ClientEventResult<E>>> {
  let raw: unknown;
  try {
    raw = await untyped(client).timeout(requestTimeoutMs).emitWithAck(event, ...args);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`no ack for ${event} ${JSON.stringify(args).slice(0, 200)} from ${client.id ?? "?"}: ${why}`);
  }
  const parsed = ackSchemaOf(event).safeParse(raw);
  if (!parsed.success) {
    throw new Error(`the ack of ${event} does not match the protocol: ${JSON.stringify(raw)}: ${parsed.error.message}`);
  }
  return parsed.data as Ack<ClientEventResult<E>>;
}

/** The data of a success ack; fails the test with the error if the request was refused. */
export async function ok<E extends ClientEventName>(
  client: TestClient,
  event: E,
  ...args: ClientEventArgs<E> & unknown[]
): Promise<ClientEventResult<E>> {
  const ack = await send(client, event, args);
  if (!ack.ok) throw new Error(`${event} ${JSON.stringify(args).slice(0, 200)} refused: ${JSON.stringify(ack.error)}`);
  return ack.data;
}

/** The error of a failure ack; fails the test if the request succeeded. */
export async function refused<E extends ClientEventName>(
  client: TestClient,
  event: E,
  ...args: ClientEventArgs<E> & unknown[]
): Promise<ErrorBody> {
  const ack = await send(client, event, args);
  if (ack.ok) throw new Error(`${event} ${JSON.stringify(args).slice(0, 200)} succeeded: ${JSON.stringify(ack.data)}`);
  return ack.error;
}

/** Sends a room line and returns its id. */
export const say = async (client: TestClient, room: string, text: string, clientId?: string): Promise<string> =>
  (await ok(client, "message:send", clientId === undefined ? { room, text } : { room, text, clientId })).id;

/** Sends a direct message and returns its id in the sender's inbox. */
export const tell = async (client: TestClient, to: string, text: string, clientId?: string): Promise<string> =>
  (await ok(client, "dm:send", clientId === undefined ? { to, text } : { to, text, clientId })).id;
