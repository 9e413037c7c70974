import type * as z from "zod";

/**
 * The type of `z.strictObject(shape)`. Every exported schema carries its type written out,
 * never inferred: JSR publishes the TypeScript source as it is and refuses inferred types in
 * a public API (`deno publish` fails on them), and written types keep consumers' type checks
 * cheap. `test/jsr.test.ts` fails when one is missing.
 */
export type StrictObject<Shape extends z.core.$ZodLooseShape> = z.ZodObject<Shape, z.core.$strict>;
