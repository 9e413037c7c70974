import { fail, ok } from "@chat/protocol";
import type { ChatDeps } from "../app/chat-deps.ts";
import { onlineScope } from "../presence/presence-store.ts";
import type { Act } from "./define-handler.ts";
import { overSendLimit } from "./send-limit.ts";

/** `dm:send`: to every session of an online user, and to the sender's other sessions. */
export const dmSend =
  ({ messages, presence, limiter }: ChatDeps): Act<"dm:send"> =>
  async (socket, { to, text, clientId }) => {
    const limited = await overSendLimit(limiter, socket);
    if (limited !== undefined) return limited;
    const from = socket.data.name;
    // A retry of a message already delivered gets its first answer, even if the recipient has left since.
    const earlier = clientId === undefined ? undefined : await messages.findDirect(from, clientId, text);
    if (earlier !== undefined) return ok(earlier);
    if (!(await presence.isPresent(onlineScope, to))) return fail("not_found", `user ${to} is not online`);
    return ok(await messages.postDirect({ from, to, text, clientId, senderSocket: socket.id }));
  };
