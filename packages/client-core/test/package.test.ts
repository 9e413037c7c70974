// The core as a developer outside this repository gets it: the core and the protocol packed by
// pnpm from clean copies (no dist/, so each pack must build), installed with plain npm into an
// empty project (socket.io-client and zod from the npm registry), then used against a real
// server. One pack and one install serve every check, since the install dominates the time.
import { execFile, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { npmInstall, packCleanCopies, plainEnv, startServer, tempDir, workspaceRoot, type RunningServer } from "@chat/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const versionOf = (dir: string) => (JSON.parse(readFileSync(join(workspaceRoot, dir, "package.json"), "utf8")) as { version: string }).version;
const catalogRange = (name: string) =>
  new RegExp(`^ {2}"?${name}"?: (\\S+)$`, "m").exec(readFileSync(join(workspaceRoot, "pnpm-workspace.yaml"), "utf8"))?.[1];

const run = (command: string, args: string[], cwd: string): SpawnSyncReturns<string> => {
  const result = spawnSync(command, args, { cwd, env: plainEnv({ NO_COLOR: "1" }), encoding: "utf8", timeout: 120_000 });
  if (result.error) throw result.error;
  return result;
};

/** Fails with what the command printed, which says more than an exit code. */
const succeeded = (result: SpawnSyncReturns<string>) => {
  expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  return result;
};

let temp: ReturnType<typeof tempDir> | undefined;
let app = "";
let installed = "";
let server: RunningServer | undefined;

beforeAll(async () => {
  temp = tempDir("client-core-package");
  const tarballs = packCleanCopies(["packages/protocol", "packages/client-core"], temp.path);
  app = join(temp.path, "app");
  run("mkdir", [app], temp.path);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  await npmInstall(tarballs, app);
  installed = join(app, "node_modules/@chat/client-core");
  server = await startServer({ workers: 1 });
}, 420_000);

afterAll(async () => {
  await server?.stop();
  temp?.remove();
});

describe("the packed core, installed with npm beside the packed protocol", () => {
  it("holds a fresh build, the source, the license and real version ranges", () => {
    const files = readdirSync(installed, { recursive: true, encoding: "utf8" }).map((file) => file.replaceAll("\\", "/"));
    expect(files).toEqual(
      expect.arrayContaining(["dist/index.js", "dist/index.d.ts", "src/index.ts", "esm-only.cjs", "LICENSE", "README.md"]),
    );
    expect(readFileSync(join(installed, "LICENSE"), "utf8")).toMatch(/^MIT License/);
    const packed = readFileSync(join(installed, "package.json"), "utf8");
    expect(packed).not.toMatch(/"(catalog|workspace):/);
    expect((JSON.parse(packed) as { dependencies: unknown }).dependencies).toStrictEqual({
      "@chat/protocol": versionOf("packages/protocol"),
      "socket.io-client": catalogRange("socket.io-client"),
    });
  });

  it("imports as an ES module in Node, connects to a real server and carries a line to another client, then lets the process end", async () => {
    writeFileSync(
      join(app, "chat.js"),
      `import { createChatClient } from "@chat/client-core";
const [url, room] = process.argv.slice(2);
const timer = setTimeout(() => { console.error("timed out"); process.exit(1); }, 20_000);
const ready = (chat) => new Promise((resolve) => {
  const check = () => chat.connection.status === "connected" && chat.usersIn(room).length > 0 && resolve();
  chat.on("change", check);
});
const writer = createChatClient({ url, name: "npm-writer", rooms: [room] });
const reader = createChatClient({ url, name: "npm-reader", rooms: [room] });
await Promise.all([ready(writer), ready(reader)]);
const heard = new Promise((resolve) => reader.on("message", (m) => resolve(m.from + ": " + m.text)));
const sent = await writer.say(room, "hello from npm");
console.log(JSON.stringify({ sent: sent.status, heard: await heard }));
writer.close();
reader.close();
clearTimeout(timer);`,
    );
    const room = `npm-${Math.random().toString(36).slice(2, 8)}`;
    // The script ends when nothing is left pending after close(): a timer left running (the
    // core's would run for a minute) fails it at the timeout. Not spawnSync: the server's
    // output comes through this process, which must keep reading it.
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
      execFile(process.execPath, ["chat.js", server?.url ?? "", room], { cwd: app, env: plainEnv(), timeout: 40_000 }, (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${out}${err}`)) : resolve({ stdout: out, stderr: err }),
      ),
    );
    expect(stderr).toBe("");
    expect(JSON.parse(stdout)).toStrictEqual({ sent: "sent", heard: "npm-writer: hello from npm" });
  }, 60_000);

  it("answers require() with an error that says how to import it", () => {
    writeFileSync(
      join(app, "check-require.cjs"),
      `try { require("@chat/client-core"); console.log("loaded"); }
catch (error) { console.log(JSON.stringify({ code: error.code, message: error.message })); }`,
    );
    const result = succeeded(run(process.execPath, ["check-require.cjs"], app));
    const { code, message } = JSON.parse(result.stdout) as { code: string; message: string };
    expect(code).toBe("ERR_REQUIRE_ESM");
    expect(message).toContain("@chat/client-core is an ES module and cannot be loaded with require()");
    expect(message).toContain('await import("@chat/client-core")');
  });

  it.each([
    ["node16", { module: "node16", moduleResolution: "node16" }],
    ["bundler", { module: "esnext", moduleResolution: "bundler" }],
  ])("gives TypeScript its types with moduleResolution %s", (mode, options) => {
    // The @ts-expect-error lines fail the check if the types came out as `any`, the protocol's
    // types included. skipLibCheck as most projects set it.
    writeFileSync(
      join(app, "types.ts"),
      `import { createChatClient, type ChatClient, type Outgoing } from "@chat/client-core";
import type { ChatMessage } from "@chat/protocol";
const chat: ChatClient = createChatClient({ url: "http://localhost:3000", name: "ann", rooms: ["lobby"] });
chat.on("message", (message: ChatMessage) => message.text.length);
export const sending: Promise<Outgoing> = chat.say("lobby", "hello");
// @ts-expect-error a message's sentAt is a number
export const late: string = chat.messagesOf("lobby")[0]?.sentAt ?? "";
// @ts-expect-error say takes a room and a text
export const wrong = chat.say("lobby");
`,
    );
    writeFileSync(
      join(app, `tsconfig.${mode}.json`),
      JSON.stringify({
        compilerOptions: { ...options, strict: true, noEmit: true, skipLibCheck: true, types: [], lib: ["ES2022", "DOM"] },
        files: ["types.ts"],
      }),
    );
    const result = run(process.execPath, [tsc, "-p", `tsconfig.${mode}.json`], app);
    expect(result.stdout).toBe("");
    expect(result.status).toBe(0);
  });

  it("cannot be packed by npm, which would ship pnpm's workspace: and catalog: ranges as they are", () => {
    const result = run("npm", ["pack", "--dry-run"], join(temp?.path ?? "", "workspace/packages/client-core"));
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("@chat/client-core must be packed and published with pnpm");
    expect(result.stderr).toContain('"@chat/protocol": "workspace:*"');
  });
});
