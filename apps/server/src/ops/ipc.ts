import cluster from "node:cluster";
import { z } from "zod";

/**
 * A small request/response channel from a worker to its primary, over the cluster's IPC
 * channel, for what only the primary knows: the cluster's state and the metrics of every
 * worker. Each query has the schema of its answer; answers are checked on arrival.
 */
const answerSchemas = {
  /** How many workers can take connections, and how many there should be. */
  cluster: z.object({ readyWorkers: z.number().int(), workers: z.number().int(), stopping: z.boolean() }),
  /** The metrics of every worker, aggregated, in Prometheus' text format. */
  metrics: z.object({ contentType: z.string(), text: z.string() }),
};

export type OpsQuery = keyof typeof answerSchemas;
export type OpsAnswer<Q extends OpsQuery> = z.infer<(typeof answerSchemas)[Q]>;
export type OpsAnswerers = { [Q in OpsQuery]: () => Promise<OpsAnswer<Q>> };

const requestType = "chat:ops-request";
const responseType = "chat:ops-response";

const OpsRequest = z.object({
  type: z.literal(requestType),
  id: z.number().int(),
  query: z.enum(Object.keys(answerSchemas) as [OpsQuery, ...OpsQuery[]]),
});
type OpsRequest = z.infer<typeof OpsRequest>;

const OpsResponse = z.discriminatedUnion("ok", [
  z.object({ type: z.literal(responseType), id: z.number().int(), ok: z.literal(true), answer: z.unknown() }),
  z.object({ type: z.literal(responseType), id: z.number().int(), ok: z.literal(false), error: z.string() }),
]);
type OpsResponse = z.infer<typeof OpsResponse>;

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** In the primary: answers the workers' queries with `answerers`. Call once. */
export function answerWorkers(answerers: OpsAnswerers): void {
  cluster.on("message", (worker, message: unknown) => {
    const request = OpsRequest.safeParse(message);
    if (!request.success) return;
    const { id, query } = request.data;
    const reply = (response: OpsResponse) => {
      if (worker.isConnected()) worker.send(response, () => {}); // a worker gone meanwhile asks nothing more
    };
    answerers[query]().then(
      (answer) => reply({ type: responseType, id, ok: true, answer }),
      (error: unknown) => reply({ type: responseType, id, ok: false, error: describe(error) }),
    );
  });
}

interface Pending {
  settle(response: OpsResponse): void;
}

const pending = new Map<number, Pending>();
let nextId = 0;
let listening = false;

const listen = () => {
  if (listening) return;
  listening = true;
  process.on("message", (message: unknown) => {
    const response = OpsResponse.safeParse(message);
    if (!response.success) return;
    pending.get(response.data.id)?.settle(response.data);
  });
};

/** In a worker: asks the primary `query`; rejects when it does not answer within `timeoutMs`. */
export function askPrimary<Q extends OpsQuery>(query: Q, timeoutMs: number): Promise<OpsAnswer<Q>> {
  return new Promise((resolve, reject) => {
    if (!cluster.isWorker || process.send === undefined || !process.connected) {
      reject(new Error("no primary to ask"));
      return;
    }
    listen();
    const id = nextId++;
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error(`the primary did not answer ${query} within ${timeoutMs} ms`));
    }, timeoutMs);
    pending.set(id, {
      settle: (response) => {
        clearTimeout(timer);
        pending.delete(id);
        if (!response.ok) {
          reject(new Error(response.error));
          return;
        }
        const answer = answerSchemas[query].safeParse(response.answer);
        if (answer.success) resolve(answer.data as OpsAnswer<Q>);
        else reject(new Error(`the primary's answer to ${query} is malformed`));
      },
    });
    const request: OpsRequest = { type: requestType, id, query };
    process.send(request, undefined, {}, (error: Error | null) => {
      if (error === null) return;
      clearTimeout(timer);
      pending.delete(id);
      reject(error);
    });
  });
}
