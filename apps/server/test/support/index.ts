export {
  spawnServer,
  startServer,
  uniquePrefix,
  serverMain,
  sourceFlags,
  type ServerProcess,
  type RunningServer,
  type SpawnOptions,
} from "./server-process.ts";
export {
  connectClient,
  waitFor,
  collect,
  sleep,
  clientsOnDifferentWorkers,
  type TestClient,
} from "./chat-clients.ts";
export { freePort, startOwnRedis, type OwnRedis } from "./redis-server.ts";
export { startRedisGate, type RedisGate } from "./redis-gate.ts";
export { onLines } from "./lines.ts";
export { childPids, clusterWorkerId, isAlive, killIfSame, startTimeOf } from "./processes.ts";
export { npmInstall, packPackages, plainEnv, tempDir, workspaceRoot } from "./packing.ts";
