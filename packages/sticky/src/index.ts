export { setupPrimary, type PrimaryOptions } from "./primary.ts";
export { setupWorker, type WorkerOptions } from "./worker.ts";
export type { LoadBalancingMethod } from "./worker-pool.ts";
