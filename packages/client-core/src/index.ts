export {
  createChatClient,
  type ChatClient,
  type ChatClientEvents,
  type ChatClientOptions,
  type ConnectionState,
  type ConnectTrouble,
  type Conversation,
  type Outgoing,
  type PresenceChangeNote,
  type Problem,
} from "./chat-client.ts";
export { RequestQueue, defaultQueueOptions, type Outcome, type QueueOptions, type RetryListener } from "./request-queue.ts";
export { Feed, beforeEverything } from "./feed.ts";
export { MessageLog } from "./message-log.ts";
export { newClientId } from "./client-ids.ts";
export { retryAfterMsOf, type Failure, type FailureCode } from "./failures.ts";
