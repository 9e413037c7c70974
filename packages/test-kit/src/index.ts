export { sourceFlags, fromSource, serverMain, clientMain, clientDir } from "./source.ts";
export { sleep, waitUntil, pollUntil, within, boundedOr } from "./time.ts";
export { acceptsConnections, freePort } from "./ports.ts";
export { onLines } from "./lines.ts";
export {
  childPids,
  clusterWorkerId,
  isAlive,
  killIfSame,
  processTree,
  rssOf,
  startTimeOf,
  treeCpuTicks,
  treeRssBytes,
  machineCpuTicks,
  type MachineCpuTicks,
} from "./processes/proc.ts";
export { clusterWorkers, isRunning, killRef, type ProcessRef } from "./processes/workers.ts";
export { uniquePrefix, withRedis, answersPing, readStream, type RedisConnection, type StreamEntry } from "./redis/commands.ts";
export { startRedisServer, type RedisServer, type RedisServerOptions, type RedisClusterNodeOptions } from "./redis/redis-server.ts";
export { startRedisProxy, type RedisProxy } from "./redis/redis-proxy.ts";
export { keySlot, slotCount } from "./redis/key-slot.ts";
export {
  startRedisCluster,
  startSingleNodeCluster,
  type ClusterNode,
  type CommandStat,
  type RedisCluster,
  type RedisClusterOptions,
} from "./redis/redis-cluster.ts";
export type { SlotMove, SlotMoveOptions } from "./redis/slot-move.ts";
export {
  spawnServer,
  startServer,
  stopAllServers,
  type Exit,
  type RunningServer,
  type ServerProcess,
  type SpawnOptions,
  type StartOptions,
} from "./server/server-process.ts";
export { quickPresence, quickPresenceEnv } from "./server/quick-presence.ts";
export {
  spawnCli,
  sourceCommand,
  stopAllClis,
  startChat,
  connectedId,
  messageLines,
  textsFrom,
  errorLines,
  type CliProcess,
  type WaitOptions,
} from "./cli/chat-cli.ts";
export { connectClient, waitFor, collect, clientsOnDifferentWorkers, type TestClient } from "./socket/chat-clients.ts";
// The bench's generators import their client alone, from "@chat/test-kit/engine-client": a
// process holding thousands of connections loads nothing else of the kit.
export { EngineSession, parseOpenPacket, type EngineOpen, type EngineSessionOptions } from "./engine/session.ts";
export { RawWebSocket, WsOpcode, isText, textOf, type WsFrame } from "./engine/raw-websocket.ts";
export { openRawChat, type RawChat } from "./engine/raw-chat.ts";
export {
  rawHttp,
  pollingPath,
  pollingHandshake,
  pollingPackets,
  openPollingChat,
  type RawResponse,
  type PollingChat,
} from "./engine/http.ts";
export { tcpExchange, simultaneousRequests, type TcpOutcome } from "./engine/tcp.ts";
export { npmInstall, packPackages, plainEnv, tempDir, workspaceRoot } from "./packing/packing.ts";
export { packCleanCopies } from "./packing/clean-copies.ts";
export { denoOf, runDeno, denoPublishDryRun } from "./deno/deno-cli.ts";
export { startHaproxy, haproxyConfig } from "./balancers/haproxy.ts";
export { startNginx, nginxRender } from "./balancers/nginx.ts";
export { stopAllBalancers, type RunningBalancer } from "./balancers/balancer-process.ts";
