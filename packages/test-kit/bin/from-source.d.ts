/** Node's flags for running TypeScript sources, workspace packages resolved to their `src/`. */
export declare const sourceFlags: readonly string[];
