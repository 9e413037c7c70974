// Run by Deno: imports the built package the way another project would, validates fixtures
// and prints one line per check. Exits non-zero on the first surprise.
import * as built from "../../dist/index.js";
import * as source from "../../src/index.ts";

for (const [label, protocol] of [["dist", built], ["src", source]] as const) {
  const good = protocol.clientEvents["message:send"].args.safeParse([{ room: "lobby", text: "Hello" }]);
  const bad = protocol.clientEvents["message:send"].args.safeParse([{ room: "no spaces", text: 5 }]);
  const message = protocol.ChatMessage.safeParse({ id: "1700000000000-0", room: "lobby", from: "A", text: "Hi", sentAt: 1700000000000 });
  const failure = protocol.fail("forbidden", "nope");
  if (!good.success || bad.success || !message.success || failure.ok) {
    console.error(`${label}: unexpected result`, { good: good.success, bad: bad.success, message: message.success });
    Deno.exit(1);
  }
  console.log(`${label}: ok (${Object.keys(protocol.clientEvents).length} client events, runtime ${Deno.version.deno})`);
}
