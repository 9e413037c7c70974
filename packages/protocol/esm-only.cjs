// What `require("@chat/protocol")` loads. The package ships ES modules only; without this
// file, require() would fail with a resolution error that does not say why.
const error = new Error(
  "@chat/protocol is an ES module and cannot be loaded with require(). " +
    'Import it from an ES module (a .mjs file, or "type": "module" in package.json): ' +
    'import { clientEvents } from "@chat/protocol"; ' +
    'or, from CommonJS, load it asynchronously: const protocol = await import("@chat/protocol").',
);
error.code = "ERR_REQUIRE_ESM";
throw error;
