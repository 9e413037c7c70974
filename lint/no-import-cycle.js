// An ESLint rule: no module may reach itself through relative imports. Unlike
// eslint-plugin-import-x's no-cycle, `import type` edges count too: a cycle of types still
// ties the files' designs together, and this project wants none at all.
import { readFileSync, statSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import ts from "typescript";

/** @type {Map<string, { mtimeMs: number, imports: string[] }>} */
const importsCache = new Map();

/**
 * The file a relative specifier names, or undefined for a package or a missing file.
 * Specifiers here carry their `.ts` extension (allowImportingTsExtensions); `.js` ones are
 * mapped back to the `.ts` source, as tsc does.
 * @param {string} from
 * @param {string} specifier
 */
function resolveRelative(from, specifier) {
  if (!specifier.startsWith("./") && !specifier.startsWith("../")) return undefined;
  const base = resolve(dirname(from), specifier);
  const candidates = [base, base.replace(/\.(m|c)?js$/, ".$1ts"), `${base}.ts`, `${base}/index.ts`];
  return candidates.find((path) => statSync(path, { throwIfNoEntry: false })?.isFile());
}

/**
 * Every relative import of a file as resolved paths with their place in the text, type-only
 * and dynamic ones included (TypeScript's own pre-processor skips comments and strings).
 * @param {string} file
 * @param {string} text
 */
function importsOfText(file, text) {
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((reference) => ({ ...reference, path: resolveRelative(file, reference.fileName) }))
    .filter((reference) => reference.path !== undefined);
}

/** Cached by modification time, so that a long-lived ESLint (an editor's) sees edits. */
function importsOfFile(/** @type {string} */ file) {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat) return [];
  const cached = importsCache.get(file);
  if (cached && cached.mtimeMs === stat.mtimeMs) return cached.imports;
  const imports = importsOfText(file, readFileSync(file, "utf8")).map((reference) => /** @type {string} */ (reference.path));
  importsCache.set(file, { mtimeMs: stat.mtimeMs, imports });
  return imports;
}

/**
 * The shortest chain of imports from `start` back to `target`, or undefined.
 * @param {string} start
 * @param {string} target
 */
function routeBack(start, target) {
  /** @type {Map<string, string | undefined>} */
  const cameFrom = new Map([[start, undefined]]);
  const queue = [start];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const imported of importsOfFile(next)) {
      if (imported === target) {
        const route = [];
        for (let at = /** @type {string | undefined} */ (next); at !== undefined; at = cameFrom.get(at)) route.unshift(at);
        return route;
      }
      if (cameFrom.has(imported)) continue;
      cameFrom.set(imported, next);
      queue.push(imported);
    }
  }
  return undefined;
}

/** @type {import("eslint").Rule.RuleModule} */
export const noImportCycle = {
  meta: {
    type: "problem",
    docs: { description: "Forbid relative imports (type-only ones included) that lead back to the importing file." },
    schema: [],
    messages: { cycle: "Import cycle: {{route}}" },
  },
  create(context) {
    const file = context.physicalFilename;
    if (!file.startsWith("/") && !/^[A-Za-z]:/.test(file)) return {};
    return {
      Program() {
        const text = context.sourceCode.text;
        const seen = new Set();
        for (const reference of importsOfText(file, text)) {
          const imported = /** @type {string} */ (reference.path);
          if (imported === file || seen.has(imported)) continue;
          seen.add(imported);
          const route = routeBack(imported, file);
          if (!route) continue;
          const shown = [file, ...route, file].map((path) => relative(dirname(file), path)).join(" -> ");
          context.report({
            loc: { start: context.sourceCode.getLocFromIndex(reference.pos), end: context.sourceCode.getLocFromIndex(reference.end) },
            messageId: "cycle",
            data: { route: shown },
          });
        }
      },
    };
  },
};
