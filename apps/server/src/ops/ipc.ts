import cluster from "node:cluster";
import * as z from "zod";

/**
 * A small request/response channel from a worker to its primary, over the cluster's IPC
 * channel, for what only the primary knows: the cluster's state. Each query has the schema
 * of its answer; answers are checked on arrival. And one report the other way round, unasked:
 * the state of each worker's Redis connections, which the primary's readiness includes.
 */
const answerSchemas = {
  /** How many workers can take connections, and how many there should be. */
  cluster: z.object({ readyWorkers: z.number().int(), workers: z.number().int(), stopping: z.boolean() }),
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

/** Whether a worker's Redis connections are ready, and whether Redis answers its PINGs in time. */
export const RedisReadiness = z.object({ publisher: z.boolean(), subscriber: z.boolean(), ping: z.boolean() });
export type RedisReadiness = z.infer<typeof RedisReadiness>;

const redisReportType = "chat:redis-state";
const RedisReport = RedisReadiness.extend({ type: z.literal(redisReportType) });
type RedisReport = z.infer<typeof RedisReport>;

/**
 * In a worker: tells the primary the state of its Redis connections now, and again at each
 * change, looked at every `everyMs`. Reports travel in order with the worker's other
 * messages: the first arrives before the worker says it is ready.
 */
export function reportRedis(read: () => RedisReadiness, everyMs = 250): void {
  if (!cluster.isWorker || process.send === undefined) return;
  let last = "";
  const report = () => {
    const state = read();
    const key = JSON.stringify(state);
    if (key === last || !process.connected) return;
    last = key;
    const message: RedisReport = { type: redisReportType, ...state };
    process.send?.(message, undefined, {}, () => {});
  };
  report();
  setInterval(report, everyMs).unref();
}

/** In the primary: the latest Redis state each live worker reported, by worker id. */
export function watchWorkersRedis(): ReadonlyMap<number, RedisReadiness> {
  const states = new Map<number, RedisReadiness>();
  cluster.on("message", (worker, message: unknown) => {
    const report = RedisReport.safeParse(message);
    if (report.success) states.set(worker.id, { publisher: report.data.publisher, subscriber: report.data.subscriber, ping: report.data.ping });
  });
  cluster.on("exit", (worker) => states.delete(worker.id));
  return states;
}
