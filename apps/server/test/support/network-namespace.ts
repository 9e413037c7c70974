import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { isAlive } from "@chat/test-kit";

/**
 * A private network namespace with only a loopback interface: nothing answers on
 * 127.0.0.1:6379 in it, whatever runs on the host. Needs root.
 */
export interface NetworkNamespace {
  readonly name: string;
  /** The command prefix that runs a program inside the namespace. */
  readonly wrapper: string[];
  /** The pids of every process in the namespace. */
  pids(): number[];
  dispose(): void;
}

export function createNetworkNamespace(): NetworkNamespace {
  const name = `chat-test-${process.pid}-${randomBytes(4).toString("hex")}`;
  execFileSync("ip", ["netns", "add", name]);
  try {
    execFileSync("ip", ["netns", "exec", name, "ip", "link", "set", "lo", "up"]);
  } catch (error) {
    execFileSync("ip", ["netns", "del", name]);
    throw error;
  }
  return {
    name,
    wrapper: ["ip", "netns", "exec", name],
    pids: () =>
      execFileSync("ip", ["netns", "pids", name], { encoding: "utf8" })
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map(Number)
        .filter((pid) => isAlive(pid)),
    dispose() {
      for (const pid of execFileSync("ip", ["netns", "pids", name], { encoding: "utf8" }).split("\n")) {
        if (pid.trim() === "") continue;
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // already gone
        }
      }
      execFileSync("ip", ["netns", "del", name]);
    },
  };
}
