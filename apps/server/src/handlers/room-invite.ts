import { fail, ok } from "@chat/protocol";
import type { ChatDeps } from "../app/chat-deps.ts";
import type { Act } from "./define-handler.ts";

/** `room:invite`: a member of a private room makes another user a member; they may join from then on. */
export const roomInvite =
  ({ rooms }: ChatDeps): Act<"room:invite"> =>
  async (socket, { room, user }) => {
    switch (await rooms.invite(room, socket.data.name, user)) {
      case "public":
        return fail("not_found", `room ${room} is not a private room; anyone may join it`);
      case "stranger":
        return fail("forbidden", `only members of room ${room} may invite to it`);
      case "invited":
        return ok({ room, user });
    }
  };
