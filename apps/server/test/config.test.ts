import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, parseConfig, waitReplicasOf } from "../src/config.ts";
import {
  childPids,
  connectClient,
  freePort,
  pollingHandshake,
  type RedisServer,
  type RunningServer,
  type ServerProcess,
  spawnServer,
  startRedisServer,
  startServer,
  uniquePrefix,
  waitUntil,
  within,
} from "@chat/test-kit";

/** Runs the server to its end and returns what a user would see. */
async function runToExit(env: Record<string, string | undefined>, args: string[] = []) {
  const server = spawnServer({ env: { REDIS_URL: undefined, ...env }, args });
  const exit = await within(server.exited, 20_000, `chat-server ${args.join(" ")} did not exit`).finally(() => {
    void server.stop("SIGKILL");
  });
  // stdout and stderr are merged in `lines`; the process's own streams are read separately below.
  return { exit, output: server.lines.join("\n"), server };
}

/** What the process wrote to stderr only, for the cases where it matters which stream. */
function streams(server: ServerProcess): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    server.child.stdout?.on("data", (chunk: string) => (stdout += chunk));
    server.child.stderr?.on("data", (chunk: string) => (stderr += chunk));
    server.child.once("close", () => resolve({ stdout, stderr }));
  });
}

describe("chat-server refuses a bad configuration before it starts", () => {
  const cases: { title: string; env?: Record<string, string>; args?: string[]; names: RegExp }[] = [
    { title: "WORKERS=abc", env: { WORKERS: "abc" }, names: /WORKERS \(--workers\): expected a whole number, got "abc"/ },
    { title: "WORKERS=0", env: { WORKERS: "0" }, names: /WORKERS \(--workers\): expected a whole number from 1 to 256, got "0"/ },
    { title: "WORKERS=1.5", env: { WORKERS: "1.5" }, names: /WORKERS \(--workers\): expected a whole number/ },
    { title: "PORT=70000", env: { PORT: "70000" }, names: /PORT \(--port\): expected a whole number from 0 to 65535, got "70000"/ },
    {
      title: "PING_INTERVAL_MS=500",
      env: { PING_INTERVAL_MS: "500" },
      names: /PING_INTERVAL_MS \(--ping-interval-ms\): expected a whole number from 1000 to 600000, got "500"/,
    },
    {
      title: "REDIS_URL=http://x",
      env: { REDIS_URL: "http://x" },
      names: /REDIS_URL \(--redis-url\): expected a redis:\/\/ or rediss:\/\/ URL, got "http:\/\/x"/,
    },
    {
      title: "REDIS_PREFIX with a space",
      env: { REDIS_PREFIX: "two words" },
      names: /REDIS_PREFIX \(--redis-prefix\): .*got "two words"/,
    },
    {
      title: "SHUTDOWN_TIMEOUT_MS=5",
      env: { SHUTDOWN_TIMEOUT_MS: "5" },
      names: /SHUTDOWN_TIMEOUT_MS \(--shutdown-timeout-ms\): expected a whole number from 100 to 600000, got "5"/,
    },
    {
      title: "REDIS_CLUSTER_NODES with a URL that is not redis://",
      env: { REDIS_CLUSTER_NODES: "redis://127.0.0.1:7000,http://127.0.0.1:7001" },
      names: /REDIS_CLUSTER_NODES \(--redis-cluster-nodes\): expected redis:\/\/ or rediss:\/\/ URLs, comma-separated, got "redis:\/\/127.0.0.1:7000,http:\/\/127.0.0.1:7001"/,
    },
    {
      title: "REDIS_URL and REDIS_CLUSTER_NODES both set",
      env: { REDIS_URL: "redis://127.0.0.1:6379", REDIS_CLUSTER_NODES: "redis://127.0.0.1:7000" },
      names: /REDIS_URL \(--redis-url\) and REDIS_CLUSTER_NODES \(--redis-cluster-nodes\): set one of them, not both/,
    },
    {
      title: "REDIS_WAIT_REPLICAS=-1",
      env: { REDIS_WAIT_REPLICAS: "-1" },
      names: /REDIS_WAIT_REPLICAS \(--redis-wait-replicas\): expected a whole number from 0 to 16, got "-1"/,
    },
    {
      title: "--redis-wait-timeout-ms=5",
      args: ["--redis-wait-timeout-ms=5"],
      names: /REDIS_WAIT_TIMEOUT_MS \(--redis-wait-timeout-ms\): expected a whole number from 10 to 60000, got "5"/,
    },
    {
      title: "PRESENCE_TTL_MS no longer than PRESENCE_REFRESH_MS",
      env: { PRESENCE_TTL_MS: "5000", PRESENCE_REFRESH_MS: "5000" },
      names: /PRESENCE_TTL_MS \(--presence-ttl-ms\): must be longer than PRESENCE_REFRESH_MS \(--presence-refresh-ms\).*got 5000 and 5000/,
    },
    { title: "--workers abc", args: ["--workers", "abc"], names: /WORKERS \(--workers\): expected a whole number, got "abc"/ },
    { title: "--port=-1", args: ["--port=-1"], names: /PORT \(--port\): expected a whole number from 0 to 65535, got "-1"/ },
  ];

  it.each(cases)("$title: exit code 1 and a message on stderr naming the variable and its flag", async ({ env = {}, args = [], names }) => {
    const server = spawnServer({ env: { REDIS_URL: undefined, PORT: "0", WORKERS: "1", ...env }, args });
    const output = streams(server);
    const exit = await within(server.exited, 20_000, "chat-server did not exit").finally(() => void server.stop("SIGKILL"));
    const { stdout, stderr } = await output;
    expect(exit).toEqual({ code: 1, signal: null });
    expect(stderr).toMatch(names);
    expect(stderr).toMatch(/^chat-server: invalid configuration:/);
    expect(stdout).not.toMatch(/listening/);
  });

  it("names every bad variable at once, not only the first", async () => {
    const { exit, output } = await runToExit({ WORKERS: "0", PORT: "70000" });
    expect(exit.code).toBe(1);
    expect(output).toMatch(/WORKERS \(--workers\)/);
    expect(output).toMatch(/PORT \(--port\)/);
  });

  it("an unknown flag: exit code 1, the flag named, and the usage", async () => {
    const server = spawnServer({ env: { REDIS_URL: undefined, PORT: "0", WORKERS: "1" }, args: ["--wrokers=2"] });
    const output = streams(server);
    const exit = await within(server.exited, 20_000, "chat-server did not exit").finally(() => void server.stop("SIGKILL"));
    const { stdout, stderr } = await output;
    expect(exit).toEqual({ code: 1, signal: null });
    expect(stderr).toMatch(/'--wrokers'/);
    expect(stderr).toMatch(/Usage: chat-server/);
    expect(stdout).toBe("");
  });

  it("--help prints the usage with every flag and variable, exits 0 and starts nothing, even with a bad environment", async () => {
    const server = spawnServer({ env: { WORKERS: "abc" }, args: ["--help"] });
    const output = streams(server);
    const exit = await within(server.exited, 20_000, "chat-server --help did not exit").finally(() => void server.stop("SIGKILL"));
    const { stdout, stderr } = await output;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(stderr).toBe("");
    expect(stdout).toMatch(/^Usage: chat-server/);
    for (const [flag, variable] of [
      ["--port", "PORT"],
      ["--host", "HOST"],
      ["--workers", "WORKERS"],
      ["--redis-url", "REDIS_URL"],
      ["--redis-prefix", "REDIS_PREFIX"],
      ["--redis-cluster-nodes", "REDIS_CLUSTER_NODES"],
      ["--redis-wait-replicas", "REDIS_WAIT_REPLICAS"],
      ["--redis-wait-timeout-ms", "REDIS_WAIT_TIMEOUT_MS"],
      ["--shutdown-timeout-ms", "SHUTDOWN_TIMEOUT_MS"],
      ["--history-max-age-seconds", "HISTORY_MAX_AGE_SECONDS"],
      ["--room-idle-ttl-seconds", "ROOM_IDLE_TTL_SECONDS"],
      ["--max-rooms-per-user-per-day", "MAX_ROOMS_PER_USER_PER_DAY"],
      ["--presence-ttl-ms", "PRESENCE_TTL_MS"],
      ["--presence-refresh-ms", "PRESENCE_REFRESH_MS"],
    ]) {
      expect(stdout).toMatch(new RegExp(`${flag}\\s+${variable}\\b`));
    }
    expect(stdout).not.toMatch(/listening/);
  });
});

describe("flags win over the environment", () => {
  let redis: RedisServer;
  let server: RunningServer | undefined;

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterEach(async () => {
    await server?.stop("SIGKILL");
    server = undefined;
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  it("bad WORKERS and PORT in the environment are overridden by good flags", async () => {
    server = await startServer({ env: { WORKERS: "abc", PORT: "70000" }, args: ["--workers=1", "--port", "0"] });
    expect(server.lines.join("\n")).toMatch(/listening on port \d+ with 1 workers/);
    expect(server.port).toBeGreaterThan(0);
    expect(childPids(server.child.pid ?? -1)).toHaveLength(1);
  });

  it("listens with the accept queue LISTEN_BACKLOG asks for, and 4096 by default (as far as the kernel allows)", async () => {
    /** The listening socket's accept queue, as the kernel reports it (ss's Send-Q column). */
    const backlogOf = (port: number) => {
      const row = execFileSync("ss", ["-Hltn", `sport = :${port}`], { encoding: "utf8" }).trim().split("\n")[0] ?? "";
      return Number(row.split(/\s+/)[2]);
    };
    const somaxconn = Number(readFileSync("/proc/sys/net/core/somaxconn", "utf8").trim());
    server = await startServer({ env: { WORKERS: "1", LISTEN_BACKLOG: "1234" } });
    expect(backlogOf(server.port)).toBe(Math.min(1234, somaxconn));
    await server.stop("SIGKILL");
    server = await startServer({ env: { WORKERS: "1" } });
    expect(backlogOf(server.port)).toBe(Math.min(4096, somaxconn));
  });

  it("the heartbeat clients are told in the handshake is PING_INTERVAL_MS and PING_TIMEOUT_MS, 25 s and 20 s by default", async () => {
    server = await startServer({ env: { WORKERS: "1", PING_INTERVAL_MS: "60000", PING_TIMEOUT_MS: "30000" } });
    expect(await pollingHandshake(server.port)).toMatchObject({ pingInterval: 60_000, pingTimeout: 30_000 });
    await server.stop("SIGKILL");
    server = await startServer({ env: { WORKERS: "1" } });
    expect(await pollingHandshake(server.port)).toMatchObject({ pingInterval: 25_000, pingTimeout: 20_000 });
  });

  it("a worker's presence lives PRESENCE_TTL_MS past its last refresh in Redis, 15 s by default", async () => {
    /** How long from now the worker's entry in the list of processes lasts without another beat. */
    const presenceLeftMs = async (prefix: string) => {
      const key = `${prefix}:presence:{processes}`;
      const reply = await waitUntil("the worker listed among the processes", () => {
        const lines = execFileSync("redis-cli", ["-p", String(redis.port), "zrange", key, "0", "-1", "withscores"], { encoding: "utf8" });
        const [, score] = lines.trim().split("\n");
        return score === undefined ? undefined : Number(score);
      });
      return reply - Date.now();
    };
    // Each beat sets it to the TTL from then; beats come every PRESENCE_REFRESH_MS (5 s here).
    const longer = uniquePrefix();
    server = await startServer({ env: { WORKERS: "1", REDIS_URL: redis.url, REDIS_PREFIX: longer, PRESENCE_TTL_MS: "60000" } });
    (await connectClient(server.url, "A")).close();
    const setLeft = await presenceLeftMs(longer);
    expect(setLeft).toBeLessThanOrEqual(60_000);
    expect(setLeft).toBeGreaterThan(60_000 - 2 * 5_000);
    await server.stop("SIGKILL");
    const byDefault = uniquePrefix();
    server = await startServer({ env: { WORKERS: "1", REDIS_URL: redis.url, REDIS_PREFIX: byDefault } });
    (await connectClient(server.url, "A")).close();
    const defaultLeft = await presenceLeftMs(byDefault);
    expect(defaultLeft).toBeLessThanOrEqual(15_000);
    expect(defaultLeft).toBeGreaterThan(15_000 - 2 * 5_000);
  });

  it("--redis-url and --redis-prefix win over REDIS_URL and REDIS_PREFIX, in the workers too", async () => {
    const deadUrl = `redis://127.0.0.1:${await freePort()}`;
    const prefix = uniquePrefix();
    server = await startServer({
      workers: 2,
      env: { REDIS_URL: deadUrl, REDIS_PREFIX: "from-env" },
      args: [`--redis-url=${redis.url}`, `--redis-prefix=${prefix}`],
    });
    expect(server.lines.join("\n")).toContain(`with 2 workers, Redis adapter at ${redis.url} (prefix ${prefix})`);
    // Both workers subscribed to the adapter's namespace channel on the Redis the flag named.
    const channel = `${prefix}#/#`;
    const subscribers = () =>
      execFileSync("redis-cli", ["-p", String(redis.port), "pubsub", "shardnumsub", channel], { encoding: "utf8" }).trim().split("\n");
    await waitUntil("two subscribers on the flag's Redis", () => (subscribers()[1] === "2" ? true : undefined), 10_000);
    expect(subscribers()).toEqual([channel, "2"]);
  });
});

describe("parseConfig", () => {
  it("reads the environment, with defaults for what is unset or empty", () => {
    const parsed = parseConfig({ PORT: "8080", WORKERS: "3", HOST: "" }, []);
    expect(parsed).toMatchObject({
      help: false,
      config: { PORT: 8080, WORKERS: 3, REDIS_PREFIX: "socket.io", SHUTDOWN_TIMEOUT_MS: 10_000, LISTEN_BACKLOG: 4096 },
    });
    expect(parsed.help === false && parsed.config.HOST).toBeUndefined();
    expect(parsed.help === false && parsed.config.REDIS_URL).toBeUndefined();
  });

  it("rooms' retention and daily allowance: a month of history and of idle keys, 20 rooms a day, each settable and checked", () => {
    expect(parseConfig({}, [])).toMatchObject({
      config: { HISTORY_MAX_AGE_SECONDS: 2_592_000, ROOM_IDLE_TTL_SECONDS: 2_592_000, MAX_ROOMS_PER_USER_PER_DAY: 20 },
    });
    expect(
      parseConfig({ HISTORY_MAX_AGE_SECONDS: "60" }, ["--room-idle-ttl-seconds", "120", "--max-rooms-per-user-per-day=5"]),
    ).toMatchObject({ config: { HISTORY_MAX_AGE_SECONDS: 60, ROOM_IDLE_TTL_SECONDS: 120, MAX_ROOMS_PER_USER_PER_DAY: 5 } });
    expect(() => parseConfig({ MAX_ROOMS_PER_USER_PER_DAY: "0" }, [])).toThrowError(
      /MAX_ROOMS_PER_USER_PER_DAY \(--max-rooms-per-user-per-day\): expected a whole number from 1 to 1000000, got "0"/,
    );
    expect(() => parseConfig({ HISTORY_MAX_AGE_SECONDS: "1.5" }, [])).toThrowError(/HISTORY_MAX_AGE_SECONDS \(--history-max-age-seconds\)/);
  });

  it("a flag wins over its variable, in both --flag value and --flag=value forms", () => {
    const parsed = parseConfig(
      { PORT: "1", WORKERS: "abc", REDIS_URL: "http://x" },
      ["--port", "2", "--workers=4", "--redis-url", "rediss://cache:6380"],
    );
    expect(parsed).toMatchObject({ help: false, config: { PORT: 2, WORKERS: 4, REDIS_URL: "rediss://cache:6380" } });
  });

  it("throws a ConfigError naming each bad variable with its flag and the value given", () => {
    expect(() => parseConfig({ WORKERS: "257", PORT: "x" }, [])).toThrowError(ConfigError);
    expect(() => parseConfig({ WORKERS: "257", PORT: "x" }, [])).toThrowError(
      /PORT \(--port\): expected a whole number, got "x"[\s\S]*WORKERS \(--workers\): expected a whole number from 1 to 256, got "257"/,
    );
  });

  it("a Redis Cluster: REDIS_CLUSTER_NODES as a list of URLs, and replica acknowledgements on by default there, off with one Redis", () => {
    const cluster = parseConfig({ REDIS_CLUSTER_NODES: " redis://127.0.0.1:7000, rediss://10.0.0.2:7001 ," }, []);
    expect(cluster).toMatchObject({ config: { REDIS_CLUSTER_NODES: ["redis://127.0.0.1:7000", "rediss://10.0.0.2:7001"], REDIS_WAIT_TIMEOUT_MS: 1000 } });
    expect(cluster.help === false && waitReplicasOf(cluster.config)).toBe(1);
    const single = parseConfig({ REDIS_URL: "redis://127.0.0.1:6379" }, []);
    expect(single.help === false && waitReplicasOf(single.config)).toBe(0);
    const chosen = parseConfig({ REDIS_WAIT_REPLICAS: "2" }, ["--redis-cluster-nodes", "redis://127.0.0.1:7000", "--redis-wait-timeout-ms", "250"]);
    expect(chosen).toMatchObject({ config: { REDIS_WAIT_REPLICAS: 2, REDIS_WAIT_TIMEOUT_MS: 250 } });
    expect(chosen.help === false && waitReplicasOf(chosen.config)).toBe(2);
    expect(() => parseConfig({ REDIS_CLUSTER_NODES: "," }, [])).toThrowError(/REDIS_CLUSTER_NODES \(--redis-cluster-nodes\)/);
    expect(() => parseConfig({ REDIS_URL: "redis://a:1" }, ["--redis-cluster-nodes=redis://b:2"])).toThrowError(
      /REDIS_URL \(--redis-url\) and REDIS_CLUSTER_NODES \(--redis-cluster-nodes\): set one of them, not both/,
    );
  });

  it("presence: a 15 s TTL and a 5 s refresh by default, each settable, the TTL longer than the refresh", () => {
    expect(parseConfig({}, [])).toMatchObject({ config: { PRESENCE_TTL_MS: 15_000, PRESENCE_REFRESH_MS: 5_000 } });
    expect(parseConfig({ PRESENCE_TTL_MS: "3000" }, ["--presence-refresh-ms", "1000"])).toMatchObject({
      config: { PRESENCE_TTL_MS: 3000, PRESENCE_REFRESH_MS: 1000 },
    });
    expect(() => parseConfig({ PRESENCE_REFRESH_MS: "50" }, [])).toThrowError(
      /PRESENCE_REFRESH_MS \(--presence-refresh-ms\): expected a whole number from 100 to 600000, got "50"/,
    );
    expect(() => parseConfig({ PRESENCE_TTL_MS: "4000" }, [])).toThrowError(
      /PRESENCE_TTL_MS \(--presence-ttl-ms\): must be longer than PRESENCE_REFRESH_MS \(--presence-refresh-ms\).*got 4000 and 5000/,
    );
    expect(() => parseConfig({}, ["--presence-ttl-ms=1000", "--presence-refresh-ms=1000"])).toThrowError(ConfigError);
  });

  it("refuses positional arguments and unknown flags", () => {
    expect(() => parseConfig({}, ["8080"])).toThrowError(ConfigError);
    expect(() => parseConfig({}, ["--verbose"])).toThrowError(/--verbose/);
  });
});
