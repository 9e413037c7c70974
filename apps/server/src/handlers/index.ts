import type { ClientEventName } from "@chat/protocol";
import type { ChatDeps } from "../app/chat-deps.ts";
import type { Act } from "./define-handler.ts";
import { dmFetch } from "./dm-fetch.ts";
import { dmSend } from "./dm-send.ts";
import { historyFetch } from "./history-fetch.ts";
import { messageSend } from "./message-send.ts";
import { presenceWho } from "./presence-who.ts";
import { roomCreate } from "./room-create.ts";
import { roomInvite } from "./room-invite.ts";
import { roomJoin } from "./room-join.ts";
import { roomLeave } from "./room-leave.ts";
import { roomList } from "./room-list.ts";
import { typingStart } from "./typing-start.ts";

/** One action per client event: a protocol event without one here is a compile error. */
export type Actions = { [E in ClientEventName]: Act<E> };

export const createActions = (deps: ChatDeps): Actions => ({
  "message:send": messageSend(deps),
  "room:join": roomJoin(deps),
  "room:leave": roomLeave(deps),
  "room:create": roomCreate(deps),
  "room:invite": roomInvite(deps),
  "room:list": roomList(deps),
  "presence:who": presenceWho(deps),
  "typing:start": typingStart(),
  "history:fetch": historyFetch(deps),
  "dm:send": dmSend(deps),
  "dm:fetch": dmFetch(deps),
});
