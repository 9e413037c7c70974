/// <reference lib="deno.ns" />
// Run by Deno against a real server (its URL the first argument): two clients of the core,
// imported from source as a Deno project would, say hello through the server. Prints what
// the reader saw; exits non-zero on the first surprise or after 20 s.
import { createChatClient, type ChatClient } from "../../src/index.ts";

const url = Deno.args[0];
if (url === undefined) throw new Error("usage: chat.ts <server url>");
const room = `deno-${Math.random().toString(36).slice(2, 8)}`;
setTimeout(() => {
  console.error("timed out");
  Deno.exit(1);
}, 20_000);

const ready = (chat: ChatClient) =>
  new Promise<void>((resolve) => {
    const check = () => chat.connection.status === "connected" && chat.usersIn(room).length > 0 && resolve();
    chat.on("change", check);
  });

const writer = createChatClient({ url, name: "deno-writer", rooms: [room], transports: ["websocket"] });
const reader = createChatClient({ url, name: "deno-reader", rooms: [room] });
await Promise.all([ready(writer), ready(reader)]);
const heard = new Promise<string>((resolve) => reader.on("message", (message) => resolve(`${message.text} from ${message.from}`)));
const sent = await writer.say(room, "hello from Deno");
console.log(`sent: ${sent.status}`);
console.log(`heard: ${await heard}`);
console.log(`runtime: ${Deno.version.deno}`);
writer.close();
reader.close();
Deno.exit(0);
