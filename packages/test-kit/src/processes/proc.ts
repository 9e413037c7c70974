import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/*
 * Processes as Linux shows them in /proc: what the tests check about a server's workers and
 * what the bench measures of a server's process tree.
 */

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    // The process ended between listing and reading.
    return undefined;
  }
};

/** Fields of /proc/<pid>/stat after the command name, which may hold spaces and parentheses. */
const statFields = (pid: number): string[] | undefined => {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
};

/** Whether `pid` is a running process (a zombie has exited and counts as gone). */
export function isAlive(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== "Z" && state !== "X";
}

/** When `pid` started (clock ticks since boot): with the pid, names one process even if pids are reused. */
export const startTimeOf = (pid: number): string | undefined => statFields(pid)?.[19];

/** The command name of a process ("node" for Node.js), or undefined once it is gone. */
const commandOf = (pid: number): string | undefined => read(`/proc/${pid}/comm`)?.trim();

/**
 * The Node.js processes among the direct children of `pid`: for a primary, its workers (not
 * the compiler service that tsx may run for a moment while it loads a module).
 */
export function childPids(pid: number): number[] {
  try {
    return execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" })
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map(Number)
      .filter((child) => isAlive(child) && commandOf(child) === "node");
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** SIGKILLs `pid` if it is still the process that started at `startTime`. */
export function killIfSame(pid: number, startTime: string | undefined, signal: NodeJS.Signals = "SIGKILL"): void {
  if (startTime === undefined || startTimeOf(pid) !== startTime) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** The cluster worker id of a worker process: Node passes it as NODE_UNIQUE_ID. */
export function clusterWorkerId(pid: number): number | undefined {
  const entry = read(`/proc/${pid}/environ`)
    ?.split("\0")
    .find((variable) => variable.startsWith("NODE_UNIQUE_ID="));
  return entry === undefined ? undefined : Number(entry.slice("NODE_UNIQUE_ID=".length));
}

/** `pid` and all its descendants that are alive now (found by parent ids). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    // Field 4 of stat (the second after the name) is the parent's id.
    const parent = Number(statFields(Number(entry))?.[1]);
    if (!Number.isFinite(parent)) continue;
    const siblings = children.get(parent) ?? [];
    siblings.push(Number(entry));
    children.set(parent, siblings);
  }
  const tree: number[] = [];
  for (const queue = [pid]; queue.length > 0; ) {
    const next = queue.shift() as number;
    if (read(`/proc/${next}/stat`) === undefined) continue;
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return tree;
}

/** VmRSS of `pid` in bytes, or undefined once it is gone. */
const vmRss = (pid: number): number | undefined => {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(read(`/proc/${pid}/status`) ?? "");
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
};

/** The resident set size of a running process, in bytes. */
export function rssOf(pid: number): number {
  const bytes = vmRss(pid);
  if (bytes === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return bytes;
}

/** Resident memory of the whole tree, in bytes (VmRSS of each process, summed). */
export const treeRssBytes = (pid: number): number => processTree(pid).reduce((total, member) => total + (vmRss(member) ?? 0), 0);

/** CPU time the tree's live processes have used so far, in clock ticks (user + system). */
export function treeCpuTicks(pid: number): number {
  let total = 0;
  for (const member of processTree(pid)) {
    const fields = statFields(member);
    // utime and stime: fields 14 and 15 of stat, the 12th and 13th after the name.
    if (fields !== undefined) total += Number(fields[11]) + Number(fields[12]);
  }
  return total;
}

/** The machine's CPU time so far, all cores together, in clock ticks, as the first line of /proc/stat counts it. */
export interface MachineCpuTicks {
  /** user and nice */
  user: number;
  system: number;
  /** Interrupts and softirqs: on loopback, much of TCP's receiving happens here. */
  interrupts: number;
  /** idle and iowait */
  idle: number;
  /** Everything above, steal included. */
  total: number;
}

export function machineCpuTicks(): MachineCpuTicks {
  const line = read("/proc/stat")?.split("\n", 1)[0] ?? "";
  const [label, ...fields] = line.trim().split(/\s+/);
  if (label !== "cpu") throw new Error("/proc/stat has no cpu line");
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields.map(Number);
  return {
    user: user + nice,
    system,
    interrupts: irq + softirq,
    idle: idle + iowait,
    total: user + nice + system + idle + iowait + irq + softirq + steal,
  };
}
