import type { Fleet } from "./generator/fleet.ts";
import type { BenchOptions } from "./options.ts";
import type { TargetName } from "./results.ts";
import type { TargetSettings } from "./targets/targets.ts";

/** What every scenario gets to work with. */
export interface BenchContext {
  options: BenchOptions;
  fleet: Fleet;
  settings: TargetSettings;
  /** A Redis prefix (project) or adapter key (reference) no other server of the run has. */
  namespace(target: TargetName): string;
  /** A progress line, on stderr: stdout holds only the table. */
  log(message: string): void;
}

/**
 * The order of the targets in repetition `repetition` (from 1): project first in odd ones,
 * reference first in even ones, so that neither always runs on a machine the other has just
 * warmed up or worn down.
 */
export const targetsInOrder = (repetition: number): TargetName[] =>
  repetition % 2 === 1 ? ["project", "reference"] : ["reference", "project"];
