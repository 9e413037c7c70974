import { relative } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Every package's test settings: sources of workspace packages instead of their builds,
 * and a JSON report that the root `pnpm test` adds up.
 */
export default defineConfig({
  resolve: { conditions: ["@chat/source"] },
  ssr: { resolve: { conditions: ["@chat/source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: "test-results.json" }]],
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});

/**
 * A sequencer that starts `files` (paths from the package's root, the longest-running first)
 * before every other file, which follow in vitest's own order. On a clean clone vitest knows no
 * durations and starts the largest files first; a long file started last runs alone at the
 * end while the other workers sit idle.
 */
export function longestFirst(files: readonly string[]): new (...args: ConstructorParameters<typeof BaseSequencer>) => BaseSequencer {
  const rank = (spec: TestSpecification): number => {
    const index = files.indexOf(relative(spec.project.config.root, spec.moduleId).replaceAll("\\", "/"));
    return index === -1 ? files.length : index;
  };
  return class extends BaseSequencer {
    override async sort(specs: TestSpecification[]): Promise<TestSpecification[]> {
      // Array.prototype.sort is stable: the rest keep vitest's order.
      return (await super.sort(specs)).sort((a, b) => rank(a) - rank(b));
    }
  };
}
