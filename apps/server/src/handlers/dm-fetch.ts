import { fail, limits, ok } from "@chat/protocol";
import type { ChatDeps } from "../app/chat-deps.ts";
import type { Act } from "./define-handler.ts";

/** `dm:fetch`: the user's own inbox, after an id (catching up) or before one (paging back). */
export const dmFetch =
  ({ messages }: ChatDeps): Act<"dm:fetch"> =>
  async (socket, { after, before, limit }) => {
    if (after !== undefined && before !== undefined) {
      return fail("invalid_payload", "give either after or before, not both");
    }
    const user = socket.data.name;
    const page =
      after === undefined
        ? await messages.readInbox(user, { before, limit: limit ?? limits.pageDefaultLength })
        : await messages.readInbox(user, { after, limit: limit ?? limits.resumeMaxLength });
    return ok(page);
  };
