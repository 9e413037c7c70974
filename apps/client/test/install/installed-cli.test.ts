import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { freePort, npmInstall, packPackages, sleep, spawnCli, startServer, stopAllClis, tempDir, textsFrom, type RunningServer } from "@chat/test-kit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

/**
 * The CLI as a user installs it: the protocol's, the client core's and the client's tarballs, as `pnpm pack`
 * makes them, installed together with plain `npm install -g` into a prefix of their own,
 * run as the `chat` command (Node alone) and under Deno.
 */
const packs = tempDir("packs");
const prefix = tempDir("prefix");
const chat = join(prefix.path, "bin", "chat");
const installed = join(prefix.path, "lib", "node_modules", "@chat", "client");
const deno = join(dirname(createRequire(import.meta.url).resolve("deno/package.json")), "deno");
const clientVersion = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
const denoCommand = [deno, "run", "--node-modules-dir=manual", "--allow-net", "--allow-env", "--allow-read", join(installed, "dist", "main.js")];
const denoEnv = { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" };

let server: RunningServer | undefined;

beforeAll(async () => {
  // The server starts while the packages are packed and installed, once for every check.
  const outcomes = await Promise.allSettled([
    packPackages(["packages/protocol", "packages/client-core", "apps/client"], packs.path).then((tarballs) =>
      npmInstall(["--global", "--prefix", prefix.path, ...tarballs], prefix.path),
    ),
    startServer({ workers: 2 }).then((started) => void (server = started)),
  ]);
  for (const outcome of outcomes) if (outcome.status === "rejected") throw outcome.reason;
}, 600_000);

afterEach(stopAllClis);

afterAll(async () => {
  await stopAllClis();
  await server?.stop();
  packs.remove();
  prefix.remove();
});

/** Every file under `dir`, relative to it. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1));

describe("chat installed with npm install -g from the tarballs", () => {
  it("is built JavaScript: no TypeScript, no tests, no tsx among what was installed", () => {
    const files = filesUnder(installed).filter((file) => !file.startsWith("node_modules/"));
    expect(files.sort()).toEqual(expect.arrayContaining(["LICENSE", "README.md", "bin/chat.js", "dist/main.js", "package.json"]));
    expect(files.filter((file) => !/^(LICENSE|README\.md|package\.json|bin\/chat\.js|dist\/[\w-]+\.js)$/.test(file))).toEqual([]);
    const everything = filesUnder(join(prefix.path, "lib", "node_modules"));
    expect(everything.filter((file) => /(^|\/)node_modules\/(tsx|esbuild|typescript)\//.test(file))).toEqual([]);
  });

  it("chat --version prints the version", async () => {
    const cli = spawnCli(["--version"], {}, [chat]);
    expect(await cli.exit()).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toEqual([clientVersion]);
    expect(cli.stderr).toEqual([]);
  });

  it("against no server: says why on stderr at the first attempt, keeps trying, and exits 0 at the end of an empty input", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const cli = spawnCli(["A", "--url", url], {}, [chat]);
    // The bound is the promise: the first failure is reported within seconds.
    await cli.waitForError(`cannot reach ${url}: connection refused (ECONNREFUSED); retrying…`, { timeoutMs: 10_000 });
    await sleep(3000);
    expect(cli.child.exitCode).toBe(null);
    expect(cli.stdout).toEqual([]);
    expect(cli.stderr).toEqual([`cannot reach ${url}: connection refused (ECONNREFUSED); retrying…`]);
    cli.end();
    expect(await cli.exit()).toEqual({ code: 0, signal: null });
  });

  it("two users chat through a server, each with the installed chat", async () => {
    const url = server?.url ?? "";
    const b = spawnCli(["Bea", "--url", url], {}, [chat]);
    await b.waitForLine(/^connected, id: \S+$/);
    const a = spawnCli(["Abe", "--url", url], {}, [chat]);
    a.send("hello from an installed chat");
    a.send("and a second line");
    a.end();
    expect(await a.exit()).toEqual({ code: 0, signal: null });
    await b.waitForLine("and a second line from Abe");
    expect(textsFrom(b, "Abe")).toEqual(["hello from an installed chat", "and a second line"]);
    expect([...a.stderr, ...b.stderr]).toEqual([]);
  });

  it("under Deno, the installed client chats with a user on Node, both ways", { timeout: 120_000 }, async () => {
    const url = server?.url ?? "";
    const onDeno = spawnCli(["Dino", "--url", url], denoEnv, denoCommand);
    await onDeno.waitForLine(/^connected, id: \S+$/, { timeoutMs: 60_000 });
    const onNode = spawnCli(["Nora", "--url", url], {}, [chat]);
    await onNode.waitForLine(/^connected, id: \S+$/);

    onNode.send("hello Dino, from Node");
    await onDeno.waitForLine("hello Dino, from Node from Nora");
    onDeno.send("hello Nora, from Deno");
    await onNode.waitForLine("hello Nora, from Deno from Dino");
    onDeno.end();
    expect(await onDeno.exit(30_000)).toEqual({ code: 0, signal: null });
    expect(onDeno.stderr).toEqual([]);
  });

  it("under Deno, a server out of reach is named with its cause as under Node", { timeout: 60_000 }, async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const cli = spawnCli(["A", "--url", url], denoEnv, denoCommand);
    await cli.waitForError(`cannot reach ${url}: connection refused (ECONNREFUSED); retrying…`, { timeoutMs: 30_000 });
    expect(cli.child.exitCode).toBe(null);
  });
});
