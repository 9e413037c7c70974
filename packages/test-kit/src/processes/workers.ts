import { childPids, clusterWorkerId, isAlive, killIfSame, startTimeOf } from "./proc.ts";

/** One process, named by its pid and start time, so that a reused pid is never mistaken for it. */
export interface ProcessRef {
  pid: number;
  startTime: string;
}

/** Whether the process still runs (a zombie has exited and counts as gone). */
export const isRunning = (ref: ProcessRef): boolean => isAlive(ref.pid) && startTimeOf(ref.pid) === ref.startTime;

/** SIGKILLs the process if it still runs. */
export const killRef = (ref: ProcessRef): void => killIfSame(ref.pid, ref.startTime);

/** The live cluster workers of a primary, by cluster worker id. */
export function clusterWorkers(primaryPid: number): Map<number, ProcessRef> {
  const workers = new Map<number, ProcessRef>();
  for (const pid of childPids(primaryPid)) {
    const id = clusterWorkerId(pid);
    const startTime = startTimeOf(pid);
    if (id !== undefined && startTime !== undefined) workers.set(id, { pid, startTime });
  }
  return workers;
}
