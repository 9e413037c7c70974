import { readdirSync, readFileSync } from "node:fs";

/**
 * A server's processes, read from /proc: the primary and everything it started (workers and
 * whatever they started), found by parent ids.
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

/** `pid` and all its descendants that are alive now. */
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

/** Resident memory of the whole tree, in bytes (VmRSS of each process, summed). */
export function treeRssBytes(pid: number): number {
  let total = 0;
  for (const member of processTree(pid)) {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(read(`/proc/${member}/status`) ?? "");
    if (match?.[1] !== undefined) total += Number(match[1]) * 1024;
  }
  return total;
}

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
