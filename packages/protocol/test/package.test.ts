// The package as a developer outside this repository gets it: packed by pnpm from a clean
// copy of this package (no dist/, so the pack must build it), installed with plain npm into
// an empty project, zod coming from the npm registry. One pack and one install serve every
// check, since the install dominates the time.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageDir, runDeno } from "./deno-cli.ts";

const repoDir = join(packageDir, "../..");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { files: string[]; version: string };

/**
 * The environment without what pnpm passes to the scripts it runs (`npm_config_*` and the
 * like), so that npm and pnpm behave here as they would in a developer's shell.
 */
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));

const run = (command: string, args: string[], cwd: string): SpawnSyncReturns<string> => {
  const env = { ...cleanEnv(), NO_COLOR: "1" };
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", timeout: 240_000 });
  if (result.error) throw result.error;
  return result;
};

/** Fails with what the command printed, which says more than an exit code. */
const succeeded = (result: SpawnSyncReturns<string>) => {
  expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
  return result;
};

const catalogZod = () => /^ {2}zod: (\S+)$/m.exec(readFileSync(join(repoDir, "pnpm-workspace.yaml"), "utf8"))?.[1];

let temp = "";
let copy = "";
let app = "";
let installed = "";

beforeAll(() => {
  temp = mkdtempSync(join(tmpdir(), "chat-protocol-package-"));
  // A workspace of one: the root files pnpm pack and tsc read, and this package as git would
  // check it out (no dist/), reusing this package's node_modules for the build tools.
  copy = join(temp, "workspace/packages/protocol");
  mkdirSync(copy, { recursive: true });
  for (const file of ["pnpm-workspace.yaml", "tsconfig.base.json", "scripts/prepack.mjs"]) {
    cpSync(join(repoDir, file), join(temp, "workspace", file), { recursive: true });
  }
  const inputs = ["package.json", "tsconfig.build.json", "README.md", "LICENSE", ...manifest.files];
  for (const input of inputs.filter((name) => name !== "dist")) {
    cpSync(join(packageDir, input), join(copy, input), { recursive: true });
  }
  symlinkSync(join(packageDir, "node_modules"), join(copy, "node_modules"), "dir");
  succeeded(run("pnpm", ["pack", "--pack-destination", temp], copy));

  app = join(temp, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  const tarball = join(temp, `chat-protocol-${manifest.version}.tgz`);
  succeeded(run("npm", ["install", "--no-audit", "--no-fund", tarball], app));
  installed = join(app, "node_modules/@chat/protocol");
}, 300_000);

afterAll(() => {
  if (temp !== "") rmSync(temp, { recursive: true, force: true });
});

describe("the packed package, installed with npm", () => {
  it("holds a fresh build, the source, the license and zod's real version range", () => {
    const files = readdirSync(installed, { recursive: true, encoding: "utf8" }).map((file) => file.replaceAll("\\", "/"));
    expect(files).toEqual(
      expect.arrayContaining(["dist/index.js", "dist/index.d.ts", "src/index.ts", "esm-only.cjs", "LICENSE", "README.md"]),
    );
    expect(readFileSync(join(installed, "LICENSE"), "utf8")).toMatch(/^MIT License/);
    const packed = readFileSync(join(installed, "package.json"), "utf8");
    expect(packed).not.toMatch(/"(catalog|workspace):/);
    expect((JSON.parse(packed) as { dependencies: unknown }).dependencies).toStrictEqual({ zod: catalogZod() });
  });

  it("imports as an ES module in Node and validates messages", () => {
    writeFileSync(
      join(app, "check.js"),
      `import { clientEvents, ChatMessage, issuesOf } from "@chat/protocol";
const good = clientEvents["message:send"].args.safeParse([{ room: "lobby", text: "Hello" }]);
const forged = ChatMessage.safeParse({ id: "1700000000000-0", room: "lobby", from: "alice", text: "Hi", sentAt: "now" });
const paths = forged.success ? [] : issuesOf(forged.error).map((issue) => issue.path);
console.log(JSON.stringify({ good: good.success, forged: paths }));`,
    );
    const result = succeeded(run(process.execPath, ["check.js"], app));
    expect(JSON.parse(result.stdout)).toStrictEqual({ good: true, forged: [["sentAt"]] });
  });

  it("answers require() with an error that says how to import it", () => {
    writeFileSync(
      join(app, "check-require.cjs"),
      `try { require("@chat/protocol"); console.log("loaded"); }
catch (error) { console.log(JSON.stringify({ code: error.code, message: error.message })); }`,
    );
    const result = succeeded(run(process.execPath, ["check-require.cjs"], app));
    const { code, message } = JSON.parse(result.stdout) as { code: string; message: string };
    expect(code).toBe("ERR_REQUIRE_ESM");
    expect(message).toContain("@chat/protocol is an ES module and cannot be loaded with require()");
    expect(message).toContain('await import("@chat/protocol")');
  });

  it.each([
    ["node16", { module: "node16", moduleResolution: "node16" }],
    ["bundler", { module: "esnext", moduleResolution: "bundler" }],
  ])("gives TypeScript its types with moduleResolution %s", (mode, options) => {
    // The @ts-expect-error lines fail the check if the types came out as `any`. skipLibCheck
    // as most projects set it (zod's own declarations want the DOM's URL).
    writeFileSync(
      join(app, "types.ts"),
      `import { ChatMessage, clientEvents, type ClientToServerEvents, type MessageSend } from "@chat/protocol";
const send: MessageSend = { room: "lobby", text: "Hello", clientId: "c0ffee-0001" };
const message: ChatMessage = ChatMessage.parse({ id: "1-0", room: "lobby", from: "alice", text: "Hi", sentAt: 1 });
const join: Parameters<ClientToServerEvents["room:join"]>[0] = { room: "lobby", after: message.id };
// @ts-expect-error the sender comes from the handshake, never from the payload
const forged: MessageSend = { room: "lobby", text: "Hi", from: "mallory" };
// @ts-expect-error sentAt is a number
const late: string = message.sentAt;
export const used = [send, join, forged, late, clientEvents];
`,
    );
    writeFileSync(
      join(app, `tsconfig.${mode}.json`),
      JSON.stringify({
        compilerOptions: { ...options, strict: true, noEmit: true, skipLibCheck: true, types: [], lib: ["ES2022"] },
        files: ["types.ts"],
      }),
    );
    const result = run(process.execPath, [tsc, "-p", `tsconfig.${mode}.json`], app);
    expect(result.stdout).toBe("");
    expect(result.status).toBe(0);
  });

  it("gives a Deno project that installed it with npm its types", () => {
    // The declarations keep the source's `./ack.ts` specifiers (tsc rewrites them in the .js
    // files only); Deno, like TypeScript, reads them as the `.d.ts` beside them in an npm
    // package. The @ts-expect-error line fails the check if the types came out as `any`.
    writeFileSync(
      join(app, "deno-types.ts"),
      `import { ChatMessage, type MessageSend } from "@chat/protocol";
export const send: MessageSend = { room: "lobby", text: "Hello" };
// @ts-expect-error sentAt is a number
export const late: string = ChatMessage.parse({ id: "1-0", room: "lobby", from: "alice", text: "Hi", sentAt: 1 }).sentAt;
`,
    );
    const result = runDeno(["check", "deno-types.ts"], app);
    expect(result.stderr).toContain("Check deno-types.ts");
    expect(result.stderr).not.toContain("ERROR");
    expect(result.status).toBe(0);
  }, 120_000);

  it("cannot be packed by npm, which would ship pnpm's catalog: range as it is", () => {
    const result = run("npm", ["pack", "--dry-run"], copy);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("@chat/protocol must be packed and published with pnpm");
    expect(result.stderr).toContain('"zod": "catalog:"');
  });
});
