import { connect } from "node:net";

/** What Redis ran during a window: the calls its clients made, and the commands scripts ran inside them, by command name. */
export interface RedisActivity {
  seconds: number;
  calls: Map<string, number>;
  scripted: Map<string, number>;
}

/** A MONITOR line: `+<time> [<db> <client address, or "lua" inside a script>] "<command>" ...`. */
const linePattern = /^\+\d+(?:\.\d+)? \[\d+ ([^\]]+)\] "([^"]*)"/;

/**
 * Watches Redis at `port` with MONITOR for `ms` and counts what it ran. INFO commandstats
 * cannot tell a client's call from a command a script ran on its behalf; MONITOR names the
 * caller of each (`lua` for a script's), so both are counted apart.
 */
export function monitorRedis(port: number, ms: number): Promise<RedisActivity> {
  return new Promise((resolve, reject) => {
    const calls = new Map<string, number>();
    const scripted = new Map<string, number>();
    const socket = connect({ host: "127.0.0.1", port });
    let rest = "";
    let from = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding("utf8");
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once("connect", () => socket.write("MONITOR\r\n"));
    socket.on("data", (chunk: string) => {
      const lines = (rest + chunk).split("\r\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "+OK" && from === 0) {
          // Counting starts once Redis has agreed to report.
          from = performance.now();
          timer = setTimeout(() => {
            socket.destroy();
            resolve({ seconds: (performance.now() - from) / 1000, calls, scripted });
          }, ms);
          continue;
        }
        const match = linePattern.exec(line);
        if (match === null || from === 0) continue;
        const command = (match[2] ?? "").toLowerCase();
        const into = match[1] === "lua" ? scripted : calls;
        into.set(command, (into.get(command) ?? 0) + 1);
      }
    });
  });
}
