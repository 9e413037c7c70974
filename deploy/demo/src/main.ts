import { parseArgs } from "node:util";
import { freePort, haproxyConfig, startHaproxy, startServer, type RunningBalancer, type RunningServer } from "@chat/test-kit";
import { startDemoRedis, type DemoRedis } from "./redis-for-demo.ts";

/*
 * `pnpm demo`: what a deployment across hosts looks like, on loopback. A Redis Cluster,
 * three chat instances (a primary with two workers each) sharing it, and HAProxy from
 * deploy/haproxy/haproxy.cfg in front of them. Ctrl-C stops everything it started.
 */

const usage = `usage: pnpm demo [--port <port>]

  --port <port>  HAProxy's port; the instances take the next three (default 8000: HAProxy
                 on 8000, instances on 8001, 8002, 8003). 0: free ports, whatever they are.`;

const { values } = parseArgs({ options: { port: { type: "string", default: "8000" }, help: { type: "boolean", default: false } } });
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const base = Number(values.port);
if (!Number.isInteger(base) || base < 0 || base > 65532) {
  console.error(`--port must be 0 or a port up to 65532, not ${values.port}\n${usage}`);
  process.exit(2);
}
const portOf = async (offset: number): Promise<number> => (base === 0 ? freePort() : base + offset);

let redis: DemoRedis | undefined;
const instances: RunningServer[] = [];
let balancer: RunningBalancer | undefined;
let stopping: Promise<boolean> | undefined;

/** Runs one step of the stop; a failure is told, and the steps after it still run. */
const attempt = async (what: string, step: () => Promise<unknown>): Promise<boolean> => {
  try {
    await step();
    return true;
  } catch (error) {
    console.error(`stopping ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
};

/**
 * Stops the balancer, then the instances (draining), then Redis: each once, whatever stage
 * the start reached. Resolves with whether every step went well.
 */
const stopAll = (): Promise<boolean> =>
  (stopping ??= (async () => {
    const steps = [
      await attempt("HAProxy", async () => balancer?.stop()),
      ...(await Promise.all(instances.map((instance, index) => attempt(`instance${index + 1}`, () => instance.stop())))),
      await attempt("Redis", async () => redis?.close()),
    ];
    return steps.every(Boolean);
  })());

const onSignal = (signal: NodeJS.Signals) => {
  console.log(`\n${signal}: stopping HAProxy, the instances and Redis...`);
  void stopAll().then((clean) => {
    if (clean) console.log("demo stopped; nothing of it is left running");
    process.exit(clean ? 0 : 1);
  });
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(signal, () => onSignal(signal));

try {
  console.log("starting Redis...");
  redis = await startDemoRedis();
  console.log(`starting three instances on ${redis.description}...`);
  const ports = await Promise.all([1, 2, 3].map(portOf));
  const started = await Promise.allSettled(
    ports.map((port, index) =>
      startServer({
        name: `instance${index + 1}`,
        workers: 2,
        prefix: "chat-demo",
        startTimeoutMs: 120_000,
        // Workers a primary leaves behind at the end are killed after this long.
        stopTimeoutMs: 15_000,
        env: { ...redis?.env, PORT: String(port), HOST: "127.0.0.1" },
      }),
    ),
  );
  for (const result of started) if (result.status === "fulfilled") instances.push(result.value);
  const failed = started.find((result) => result.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  console.log("starting HAProxy...");
  const addresses = instances.map((instance) => `127.0.0.1:${instance.port}`) as [string, string, string];
  balancer = await startHaproxy(addresses, { port: await portOf(0) });
} catch (error) {
  console.error(`the demo did not start: ${error instanceof Error ? error.message : String(error)}`);
  await stopAll();
  process.exit(1);
}

for (const [index, instance] of instances.entries()) {
  void instance.exited.then(({ code, signal }) => {
    if (stopping === undefined) console.error(`instance${index + 1} exited (${signal ?? code}); HAProxy sends its users to the others`);
  });
}

const lines = [
  "",
  `Redis: ${redis.description}, on 127.0.0.1 ports ${redis.ports.join(", ")}`,
  ...instances.map(
    (instance, index) =>
      `instance${index + 1}: ${instance.url} (2 workers; metrics and detailed readiness at ${instance.opsUrl})`,
  ),
  `HAProxy (${haproxyConfig}): ${balancer.url}`,
  "",
  `web app, through HAProxy:   ${balancer.url}/`,
  `a user through HAProxy:     pnpm --silent chat A --url ${balancer.url}`,
  ...instances.map((instance, index) => `a user on instance${index + 1}:        pnpm --silent chat U${index + 1} --url ${instance.url}`),
  `drain an instance:          kill -TERM ${instances[0]?.child.pid ?? ""}   (instance1's primary; its users move through HAProxy)`,
  "",
  "Ctrl-C stops everything.",
  "demo ready",
];
console.log(lines.join("\n"));
