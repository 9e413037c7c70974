import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** One process, named by its pid and start time, so that a reused pid is never mistaken for it. */
export interface ProcessRef {
  pid: number;
  startTime: string;
}

/** `/proc/<pid>/stat` fields after the command name (which may hold spaces), or undefined if gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** Whether the process still runs (a zombie has exited and counts as gone). */
export function isRunning(ref: ProcessRef): boolean {
  const fields = statFields(ref.pid);
  if (fields === undefined) return false;
  // fields[0] is the state, fields[19] the start time (field 22 of stat).
  return fields[19] === ref.startTime && fields[0] !== "Z" && fields[0] !== "X";
}

/** SIGKILLs the process if it still runs. */
export function killRef(ref: ProcessRef): void {
  if (!isRunning(ref)) return;
  try {
    process.kill(ref.pid, "SIGKILL");
  } catch {
    // gone meanwhile
  }
}

/** The live cluster workers of a primary, by cluster worker id (Node passes it as NODE_UNIQUE_ID). */
export function clusterWorkers(primaryPid: number): Map<number, ProcessRef> {
  let children: number[];
  try {
    children = execFileSync("pgrep", ["-P", String(primaryPid)], { encoding: "utf8" })
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map(Number);
  } catch {
    children = []; // pgrep exits 1 when nothing matches
  }
  const workers = new Map<number, ProcessRef>();
  for (const pid of children) {
    const fields = statFields(pid);
    const startTime = fields?.[19];
    if (fields === undefined || startTime === undefined || fields[0] === "Z") continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, "utf8");
    } catch {
      continue;
    }
    const entry = environ.split("\0").find((variable) => variable.startsWith("NODE_UNIQUE_ID="));
    if (entry !== undefined) workers.set(Number(entry.slice("NODE_UNIQUE_ID=".length)), { pid, startTime });
  }
  return workers;
}
