import { createChatClient, type ChatClient } from "@chat/client-core";
import { Drops, stampNumber, stampText, type FaultParty, type OnDelivery } from "./party.ts";

/**
 * The project's side of the faults scenario: every member is the project's own client core,
 * which resends a line with the same client id on a timeout or `unavailable` (for up to a
 * minute), catches up every room after a reconnect, and shows each message once by its id.
 */
export async function openProjectParty(
  url: string,
  room: string,
  receivers: number,
  tag: string,
  onDelivery: OnDelivery,
): Promise<FaultParty> {
  const clients: ChatClient[] = [];
  const drops = new Drops(receivers);
  const joined = async (client: ChatClient, who: string, member: number) => {
    clients.push(client);
    client.on("connection", (state) => {
      if (state.status === "reconnecting") drops.drop(member);
    });
    const outcome = await client.join(room);
    if (!outcome.ok) throw new Error(`${who} could not join ${room}: ${outcome.error.code}`);
  };
  try {
    // The sender first: the first connection a fresh cluster takes tends to go to its first worker, the one the worker fault kills.
    const sender = createChatClient({ url, name: `fs-${tag}` });
    await joined(sender, "the sender", receivers);
    for (let i = 0; i < receivers; i++) {
      const client = createChatClient({ url, name: `fr${i}-${tag}` });
      client.on("message", (message) => {
        const n = message.room === room ? stampNumber(message.text) : undefined;
        if (n !== undefined) onDelivery(i, n);
      });
      await joined(client, `receiver ${i}`, i);
    }
    return {
      send: async (n) => (await sender.say(room, stampText(n))).status === "sent",
      dropped: () => drops.summary(),
      close: async () => {
        for (const client of clients) client.close();
      },
    };
  } catch (error) {
    for (const client of clients) client.close();
    throw error;
  }
}
