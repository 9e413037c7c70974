// One lint for the whole workspace: each package's `pnpm lint` (`eslint .`) finds this file.
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import globals from "globals";
import tseslint from "typescript-eslint";
import { noImportCycle } from "./lint/no-import-cycle.js";

const server = "apps/server/src";

export default defineConfig([
  globalIgnores(["**/dist/", "**/node_modules/", "**/.turbo/", "bench/results/", "**/*.tsbuildinfo"]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: "module", globals: globals.node },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // `const { from: _from, ...rest } = message` is how the tests drop a field.
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true }],
      "no-restricted-syntax": [
        "error",
        {
          // zod's named export `z` carries every locale's messages: a browser bundle of the
          // protocol grows from ~29 KB to ~95 KB gzipped (packages/protocol/test/browser-bundle.test.ts).
          selector: 'ImportDeclaration[source.value="zod"] > ImportSpecifier[imported.name="z"]',
          message: 'Import zod as a namespace, `import * as z from "zod"`: the named `z` pulls in every locale.',
        },
      ],
    },
  },
  {
    name: "chat/imports",
    plugins: { "import-x": importX, chat: { rules: { "no-import-cycle": noImportCycle } } },
    settings: { "import-x/resolver-next": [createNodeResolver({ conditionNames: ["@chat/source", "import", "node", "default"] })] },
    rules: {
      "chat/no-import-cycle": "error",
      "import-x/no-restricted-paths": [
        "error",
        {
          // Zones are read from the workspace root, whichever package runs the lint.
          basePath: import.meta.dirname,
          zones: [
            {
              target: `${server}/handlers`,
              from: [`${server}/roles`, `${server}/app/create-app.ts`],
              message: "Handlers answer one event each; the process roles and the app that wires them sit above them.",
            },
            {
              target: [`${server}/!(app|seams)/**`, `${server}/*.ts`],
              from: `${server}/seams`,
              message: "A library's internals are touched through seams/ by app/ alone.",
            },
            {
              target: [`${server}/!(roles)/**`, `${server}/!(main).ts`],
              from: `${server}/roles`,
              message: "Process roles are chosen by main.ts alone.",
            },
            {
              target: "packages/protocol",
              from: ["apps", "bench"],
              message: "The protocol is the contract the apps depend on, never the reverse.",
            },
          ],
        },
      ],
    },
  },
  {
    // The core runs in browsers and Deno as well as Node: web platform APIs only.
    name: "chat/client-core-runs-anywhere",
    files: ["packages/client-core/src/**", "apps/web/src/**"],
    languageOptions: { globals: globals.browser },
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["node:*"], message: "The client core and the web app run in browsers: no Node built-ins." },
            {
              group: ["@chat/*", "!@chat/protocol", "!@chat/client-core"],
              message: "The client core and the web app depend on the protocol and the core alone.",
            },
          ],
        },
      ],
      "no-restricted-globals": [
        "error",
        { name: "process", message: "No Node globals in code that runs in browsers." },
        { name: "Buffer", message: "No Node globals in code that runs in browsers." },
      ],
    },
  },
  {
    name: "chat/protocol-stands-alone",
    files: ["packages/protocol/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@chat/*", "!@chat/protocol"],
              message: "The protocol is the contract the apps depend on, never the reverse.",
            },
          ],
        },
      ],
    },
  },
]);
