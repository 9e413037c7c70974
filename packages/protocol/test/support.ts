import type * as z from "zod";
import { issuesOf, type ValidationIssue } from "../src/index.ts";

/** The wire issues of a parse that must fail; throws (failing the test) if it succeeded. */
export const rejection = (result: z.ZodSafeParseResult<unknown>): ValidationIssue[] => {
  if (result.success) throw new Error(`expected a rejection, got ${JSON.stringify(result.data)}`);
  return issuesOf(result.error);
};
