export { limits, namePattern, defaultRoom } from "./limits.ts";
export { UserName, RoomName } from "./names.ts";
export { ErrorCode, ErrorBody, ValidationIssue } from "./errors.ts";
export { AckFailure, ackOf, ok, fail, issuesOf, type Ack } from "./ack.ts";
export { HandshakeAuth, ConnectRefusal } from "./handshake.ts";
export { MessageText, MessageId, MessageSend, MessageSent, ChatMessage } from "./messages.ts";
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
