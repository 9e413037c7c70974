/// <reference lib="deno.ns" />
// Run by Deno: imports the built package the way another project would (and the source, the
// way a Deno project importing the .ts files would), validates fixtures and prints what it
// saw. Exits non-zero on the first surprise. Type-checked by `deno check`, not by tsc.
import * as built from "../../dist/index.js";
import * as source from "../../src/index.ts";

function stop(label: string, what: string, detail: unknown): never {
  console.error(`${label}: ${what}`, detail);
  Deno.exit(1);
}

const paths = (issues: { path: (string | number)[] }[]) => issues.map((issue) => issue.path.join(".")).join(", ");

for (const [label, protocol] of [["dist", built], ["src", source]] as const) {
  const send = protocol.clientEvents["message:send"].args;
  const good = send.safeParse([{ room: "lobby", text: "Hello" }]);
  const message = protocol.ChatMessage.safeParse({ id: "1700000000000-0", room: "lobby", from: "A", text: "Hi", sentAt: 1700000000000 });
  const failure = protocol.ackSchemaOf("message:send").safeParse(protocol.fail("forbidden", "nope"));
  if (!good.success || !message.success || !failure.success) {
    stop(label, "a valid value was rejected", { good: good.success, message: message.success, failure: failure.success });
  }
  const bad = send.safeParse([{ room: "no spaces", text: 5 }]);
  const forged = send.safeParse([{ room: "lobby", text: "Hi", from: "mallory" }]);
  if (bad.success || forged.success) stop(label, "an invalid payload was accepted", { bad: bad.success, forged: forged.success });
  console.log(`${label}: ok (${Object.keys(protocol.clientEvents).length} client events, runtime ${Deno.version.deno})`);
  console.log(`${label}: rejected a bad payload at ${paths(protocol.issuesOf(bad.error))}; a forged sender at ${paths(protocol.issuesOf(forged.error))}`);
}
