import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { afterAll, describe, expect, it } from "vitest";

// The workspace's own lint (`pnpm lint`), run through ESLint's API with the real config.
const root = fileURLToPath(new URL("../../../", import.meta.url));
const overrideConfigFile = join(root, "eslint.config.js");

/** Each linted file (relative to `base`) with the rules it broke, sorted, line by line. */
function findings(results: ESLint.LintResult[], base: string): string[] {
  return results
    .flatMap((result) => result.messages.map((message) => `${result.filePath.slice(base.length)}:${message.line} ${message.ruleId ?? message.message}`))
    .sort();
}

describe("no import cycles", () => {
  const dir = mkdtempSync(join(tmpdir(), "chat-lint-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reports modules that import each other, also when one side imports only types, and nothing else", async () => {
    const files: Record<string, string> = {
      "sender.ts": 'import { Receiver } from "./receiver.ts";\nexport const send = (to: Receiver) => to.take("hi");\n',
      "receiver.ts": 'import { send } from "./sender.ts";\nexport class Receiver {\n  take(text: string) { return text; }\n  echo() { return send(this); }\n}\n',
      "room.ts": 'import type { Member } from "./member.ts";\nexport const roomOf = (member: Member) => member.room;\n',
      "member.ts": 'import { roomOf } from "./room.ts";\nexport interface Member { room: string }\nexport const home = (member: Member) => roomOf(member);\n',
      "caller.ts": 'import { send } from "./sender.ts";\nimport { home } from "./member.ts";\nexport const call = [send, home];\n',
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);

    const results = await new ESLint({ cwd: dir, overrideConfigFile }).lintFiles(["."]);

    expect(findings(results, dir)).toEqual([
      "/member.ts:1 chat/no-import-cycle",
      "/receiver.ts:1 chat/no-import-cycle",
      "/room.ts:1 chat/no-import-cycle",
      "/sender.ts:1 chat/no-import-cycle",
    ]);
    const sender = results.find((result) => result.filePath.endsWith("sender.ts"));
    expect(sender?.messages[0]?.message).toBe("Import cycle: sender.ts -> receiver.ts -> sender.ts");
  });
});

describe("the server's layers", () => {
  const eslint = new ESLint({ cwd: root, overrideConfigFile });

  /** Lints `text` as if it were the file at `path` (nothing is written to the tree). */
  async function lintAs(path: string, text: string): Promise<string[]> {
    return findings(await eslint.lintText(text, { filePath: join(root, path) }), root);
  }

  it("refuses a handler that reaches for a process role, a seam or the app's wiring", async () => {
    const handler = [
      'export { startWorker } from "../roles/worker.ts";',
      'export { shardedRoomAdapter } from "../seams/room-adapter.ts";',
      'export type { ChatApp } from "../app/create-app.ts";',
      'export type { ChatSocket } from "../app/chat-socket.ts";',
      'export { defineHandler } from "./define-handler.ts";',
    ].join("\n");
    expect(await lintAs("apps/server/src/handlers/probe.ts", handler)).toEqual([
      "apps/server/src/handlers/probe.ts:1 import-x/no-restricted-paths", // handlers below roles
      "apps/server/src/handlers/probe.ts:1 import-x/no-restricted-paths", // only main.ts picks a role
      "apps/server/src/handlers/probe.ts:2 import-x/no-restricted-paths",
      "apps/server/src/handlers/probe.ts:3 import-x/no-restricted-paths",
    ]);
  });

  it("lets app/ alone use the seams, and main.ts alone pick a role", async () => {
    const seam = 'export { shardedRoomAdapter } from "../seams/room-adapter.ts";\n';
    expect(await lintAs("apps/server/src/app/probe.ts", seam)).toEqual([]);
    expect(await lintAs("apps/server/src/presence/probe.ts", seam)).toEqual(["apps/server/src/presence/probe.ts:1 import-x/no-restricted-paths"]);

    const role = 'export { startPrimary } from "./roles/primary.ts";\n';
    expect(await lintAs("apps/server/src/main.ts", role)).toEqual([]);
    expect(await lintAs("apps/server/src/probe.ts", role)).toEqual(["apps/server/src/probe.ts:1 import-x/no-restricted-paths"]);
  });

  it("keeps the protocol free of the apps", async () => {
    const reaching = 'export type { ChatApp } from "../../../apps/server/src/app/create-app.ts";\n';
    expect(await lintAs("packages/protocol/src/probe.ts", reaching)).toEqual(["packages/protocol/src/probe.ts:1 import-x/no-restricted-paths"]);
    const byName = 'export type { RunningServer } from "@chat/server/testing";\n';
    expect(await lintAs("packages/protocol/src/probe.ts", byName)).toContain("packages/protocol/src/probe.ts:1 no-restricted-imports");
  });

  it("keeps the client core and the web app to what a browser has", async () => {
    const nodeOnly = 'import { readFileSync } from "node:fs";\nexport const read = readFileSync;\nexport const env = process.env;\n';
    for (const path of ["packages/client-core/src/probe.ts", "apps/web/src/probe.ts"]) {
      expect(await lintAs(path, nodeOnly)).toEqual([`${path}:1 no-restricted-imports`, `${path}:3 no-restricted-globals`]);
    }
    const browserOnly = 'import { limits } from "@chat/protocol";\nexport const at = () => crypto.randomUUID() + document.title + limits.nameMaxLength;\n';
    expect(await lintAs("apps/web/src/probe.ts", browserOnly)).toEqual([]);
    const kit = 'export { startServer } from "@chat/test-kit";\n';
    expect(await lintAs("packages/client-core/src/probe.ts", kit)).toEqual(["packages/client-core/src/probe.ts:1 no-restricted-imports"]);
  });
});

describe("zod imports", () => {
  const eslint = new ESLint({ cwd: root, overrideConfigFile });

  it("take zod as a namespace everywhere: the named z pulls every locale into a browser bundle", async () => {
    const named = 'import { z } from "zod";\nexport const name = z.string();\n';
    const namedType = 'import type { z } from "zod";\nexport type Name = z.infer<z.ZodString>;\n';
    const namespace = 'import * as z from "zod";\nimport type * as zt from "zod";\nexport const name: zt.ZodString = z.string();\n';
    for (const path of ["packages/protocol/src/probe.ts", "apps/server/src/probe.ts", "apps/client/src/probe.ts"]) {
      const lint = async (text: string) => findings(await eslint.lintText(text, { filePath: join(root, path) }), root);
      expect(await lint(named)).toEqual([`${path}:1 no-restricted-syntax`]);
      expect(await lint(namedType)).toEqual([`${path}:1 no-restricted-syntax`]);
      expect(await lint(namespace)).toEqual([]);
    }
  });
});
