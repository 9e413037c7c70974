// What `require("@chat/client-core")` loads. The package ships ES modules only; without this
// file, require() would fail with a resolution error that does not say why.
const error = new Error(
  "@chat/client-core is an ES module and cannot be loaded with require(). " +
    'Import it from an ES module (a .mjs file, or "type": "module" in package.json): ' +
    'import { createChatClient } from "@chat/client-core"; ' +
    'or, from CommonJS, load it asynchronously: const { createChatClient } = await import("@chat/client-core").',
);
error.code = "ERR_REQUIRE_ESM";
throw error;
