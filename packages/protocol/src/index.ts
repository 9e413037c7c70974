export { limits, namePattern, defaultRoom } from "./limits.ts";
export { UserName, RoomName } from "./names.ts";
export { ErrorCode, ErrorBody, ValidationIssue } from "./errors.ts";
export { AckFailure, ackOf, ok, fail, issuesOf, type Ack } from "./ack.ts";
export { HandshakeAuth, ConnectRefusal } from "./handshake.ts";
export {
  MessageText,
  ClientId,
  MessageSend,
  MessageSent,
  ChatMessage,
  MessageBatch,
  DirectSend,
  DirectMessage,
} from "./messages.ts";
export {
  RoomJoin,
  RoomPage,
  RoomRef,
  RoomCreate,
  RoomInvite,
  RoomList,
  PresenceList,
  PresenceChange,
  HistoryFetch,
  InboxFetch,
  InboxPage,
  TypingNotice,
  SyncRequired,
  SessionClosing,
  Empty,
} from "./rooms.ts";
export { MessageId, compareMessageIds } from "./message-ids.ts";
export {
  clientEvents,
  serverEvents,
  isClientEventName,
  ackSchemaOf,
  type ClientEventName,
  type ServerEventName,
  type ClientEventArgs,
  type ClientEventResult,
  type ServerEventArgs,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type InterServerEvents,
  type SocketData,
} from "./events.ts";
