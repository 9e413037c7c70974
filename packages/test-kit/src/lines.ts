/** Calls `listener` with each complete line a stream writes (its text decoded as UTF-8). */
export function onLines(stream: NodeJS.ReadableStream | null, listener: (line: string) => void): void {
  let rest = "";
  stream?.setEncoding("utf8");
  stream?.on("data", (chunk: string) => {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop() ?? "";
    parts.forEach(listener);
  });
}
