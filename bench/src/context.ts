import type { Fleet } from "./generator/fleet.ts";
import type { BenchOptions } from "./options.ts";
import { targetNames, type TargetName } from "./results.ts";
import type { TargetSettings } from "./targets/targets.ts";

/** What every scenario gets to work with. */
export interface BenchContext {
  options: BenchOptions;
  fleet: Fleet;
  settings: TargetSettings;
  /** A Redis prefix (project) or adapter key (references) no other server of the run has. */
  namespace(target: TargetName): string;
  /** A progress line, on stderr: stdout holds only the table. */
  log(message: string): void;
}

/**
 * The order of the targets in repetition `repetition` (from 1): odd repetitions turn the list
 * by one more each time, and each even one runs the one before backwards (project, reference,
 * streams; streams, reference, project; reference, streams, project; ...), so that no target
 * always runs on a machine another has just warmed up or worn down.
 */
export function targetsInOrder(repetition: number, targets: readonly TargetName[] = targetNames): TargetName[] {
  const turn = Math.floor((repetition - 1) / 2);
  const turned = targets.map((_, i) => targets[(i + turn) % targets.length] as TargetName);
  return repetition % 2 === 1 ? turned : turned.reverse();
}
