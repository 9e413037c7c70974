import {
  ConnectRefusal,
  defaultRoom,
  limits,
  type ChatMessage,
  type ClientEventArgs,
  type ClientEventName,
  type ClientEventResult,
  type ClientId,
  type DirectMessage,
  type ErrorCode,
  type MessageId,
  type PresenceList,
  type RoomList,
  type RoomName,
  type RoomPage,
  type RoomInvite,
  type RoomRef,
  type SessionClosing,
  type UserName,
  type ValidationIssue,
} from "@chat/protocol";
import { io, type ManagerOptions, type Socket, type SocketOptions } from "socket.io-client";
import { emitChecked, onChecked } from "./checked-socket.ts";
import { newClientId } from "./client-ids.ts";
import { unreachableCause } from "./connect-errors.ts";
import { DirectLog } from "./direct-log.ts";
import { Emitter } from "./emitter.ts";
import type { Failure } from "./failures.ts";
import { beforeEverything, Feed } from "./feed.ts";
import { RequestQueue, type Outcome, type QueueOptions, type RetryListener } from "./request-queue.ts";
import { RoomState } from "./room-state.ts";
import { nameInToken } from "./token-name.ts";

export interface ChatClientOptions {
  /** The server's address. Unset in a browser: the page's own origin. */
  url?: string;
  /** The user name. With a token, the server refuses any name but the token's. */
  name?: UserName;
  /** A token for a server with AUTH_MODE=token. */
  token?: string;
  /** Rooms to be in once connected (the lobby by default; the server puts every connection there, and leaving it is honoured). */
  rooms?: RoomName[];
  queue?: Partial<QueueOptions>;
  /** Socket.IO's transports, in the order tried (polling, then WebSocket, by default). */
  transports?: ("polling" | "websocket")[];
  /**
   * More of Socket.IO's client options, passed on as they are (unset: its defaults). In
   * Node, `withCredentials: true` keeps the cookies the server's side sets and sends them
   * back, as a load balancer that keeps sessions on one instance by cookie needs (HAProxy's
   * `cookie ... insert`; a browser does so by itself on its page's origin); `agent` is the
   * `http.Agent` its requests and WebSockets go through (to leave from a given local address).
   */
  socket?: Partial<ManagerOptions & SocketOptions>;
  /** How long a typing notice is shown unless renewed (4 s: a notice comes at most every 2 s while someone types). */
  typingShownMs?: number;
  /**
   * How many of the latest direct messages the first connection shows as history (20); 0
   * starts from the newest without showing any, as a terminal does.
   */
  recentDirects?: number;
  /** Pause before connecting again after the server refused for now (`unavailable`): 1 to 2 s, at random. */
  refusedRetryMs?: () => number;
  /**
   * How long a connection attempt may go unanswered before the state says so (10 s): a server
   * that takes the connection and never answers fails only at Socket.IO's connect timeout (20 s).
   */
  silenceReportMs?: number;
}

/**
 * Why the client is not connected, when it knows: the server could not be reached (`reason`
 * says why, in words), it has not answered for a while, or it refused for now (`code`).
 * Without one, `reason` is Socket.IO's word for a lost connection.
 */
export type ConnectTrouble = { why: "unreachable" } | { why: "silent" } | { why: "refused"; code: ErrorCode };

/** Where the connection stands; `refused` is final (the server will never let this identity in). */
export type ConnectionState =
  | { status: "connecting"; reason?: string; trouble?: ConnectTrouble }
  | { status: "connected"; socketId: string }
  | { status: "reconnecting"; reason: string; trouble?: ConnectTrouble }
  | { status: "refused"; reason: string }
  | { status: "closed" };

/** A room, or the direct messages with one person. */
export type Conversation = { room: RoomName } | { peer: UserName };

/** One of the user's own messages, from the moment it is written until the server has it (or gives up). */
export interface Outgoing {
  readonly clientId: ClientId;
  readonly to: Conversation;
  readonly text: string;
  readonly status: "pending" | "sent" | "failed";
  /** Once sent: its id and the server's time. */
  readonly id?: MessageId;
  readonly sentAt?: number;
  /** Once failed: why. */
  readonly error?: Failure;
}

/** Something that went wrong, for the user to read: what was being done and why it failed. */
export interface Problem extends Failure {
  what: string;
  /** While catching up after a (re)connection, not in answer to one of the user's requests. */
  catchingUp?: true;
  /** The request is held back and tried again (a rate limit's wait): not a final failure. */
  retrying?: true;
}

export interface PresenceChangeNote {
  user: UserName;
  joined: boolean;
}

export type ChatClientEvents = {
  connection: (state: ConnectionState) => void;
  /**
   * A message new to a room, live or caught up: each once and, within a room, in id order.
   * Not the lines this session sent: those are told by `outgoing`.
   */
  message: (message: ChatMessage) => void;
  /** A page of a room's older messages, oldest first, now at the top of the room. */
  older: (room: RoomName, messages: readonly ChatMessage[], more: boolean) => void;
  /** A direct message new to the user's inbox (received, or sent from another of their sessions). */
  direct: (message: DirectMessage) => void;
  /** One of the user's own messages changed state (written, sent, failed). */
  outgoing: (outgoing: Outgoing) => void;
  /** The people online in a room; `change` when a notice (not a refresh) caused it. */
  presence: (room: RoomName, users: readonly UserName[], change: PresenceChangeNote | undefined) => void;
  typing: (room: RoomName, users: readonly UserName[]) => void;
  unread: (conversation: Conversation, count: number) => void;
  /** The rooms the user is in changed. */
  rooms: (rooms: readonly RoomName[]) => void;
  problem: (problem: Problem) => void;
  /** The server is about to close this connection, and says why; the client reconnects and catches up. */
  closing: (notice: SessionClosing) => void;
  /** The server sent an event that does not follow the protocol; it was dropped. */
  invalid: (event: string, issues: readonly ValidationIssue[]) => void;
  /** Anything above happened: once per turn however many, for a view that redraws. */
  change: () => void;
};

export interface ChatClient {
  on: Emitter<ChatClientEvents>["on"];
  /** The user's name: the one given or, with a token alone, the token's (as the server's messages confirm). */
  readonly me: UserName | undefined;
  readonly connection: ConnectionState;
  /** The rooms the user is in, in the order joined. */
  readonly rooms: readonly RoomName[];
  /** The people the user has direct messages with. */
  readonly peers: readonly UserName[];
  messagesOf(room: RoomName): readonly ChatMessage[];
  /** Whether the room may have messages older than those loaded. */
  hasOlder(room: RoomName): boolean;
  directsWith(peer: UserName): readonly DirectMessage[];
  /** The user's messages to a conversation not yet in it: pending, or failed. */
  outgoingTo(conversation: Conversation): readonly Outgoing[];
  usersIn(room: RoomName): readonly UserName[];
  typingIn(room: RoomName): readonly UserName[];
  unreadOf(conversation: Conversation): number;
  /** The conversation the user is looking at: its messages are read as they come. */
  view(conversation: Conversation | undefined): void;
  join(room: RoomName): Promise<Outcome<RoomPage>>;
  /**
   * Creates a room no one uses yet (private: only members and those they invite) and joins it.
   * Not retried: a second attempt after a lost answer would find the room taken, by this user.
   */
  create(room: RoomName, options?: { private?: boolean }): Promise<Outcome<RoomPage>>;
  /** Lets a user into a private room the user is a member of. */
  invite(room: RoomName, user: UserName): Promise<Outcome<RoomInvite>>;
  leave(room: RoomName): Promise<Outcome<RoomRef>>;
  /** Sends a line to a room; resolves once it is sent or has failed. */
  say(room: RoomName, text: string): Promise<Outgoing>;
  sendDirect(to: UserName, text: string): Promise<Outgoing>;
  /**
   * Loads the page of messages before the oldest loaded, or before `before`: a front that
   * does not show the user's own lines (a terminal, which has them on screen as typed) pages
   * back from the oldest it showed.
   */
  loadOlder(room: RoomName, limit?: number, before?: MessageId): Promise<Outcome<RoomPage>>;
  /** Tells the room the user is typing; called at every keystroke, it sends at most every few seconds. */
  typing(room: RoomName): void;
  /** The rooms the server has this connection in. */
  listRooms(): Promise<Outcome<RoomList>>;
  who(room: RoomName): Promise<Outcome<PresenceList>>;
  /** Resolves once every request made so far has settled. */
  settled(): Promise<void>;
  close(): void;
}

const keyOf = (conversation: Conversation): string =>
  "room" in conversation ? `#${conversation.room}` : `@${conversation.peer}`;

/** Opens a connection and keeps the user's view of the chat: see `ChatClient`. */
export function createChatClient(options: ChatClientOptions = {}): ChatClient {
  const { name, token } = options;
  const auth: Record<string, string> = {};
  if (name !== undefined) auth.name = name;
  if (token !== undefined) auth.token = token;
  const socketOptions = {
    ...options.socket,
    auth,
    ...(options.transports === undefined ? {} : { transports: options.transports }),
  };
  const socket: Socket = options.url === undefined ? io(socketOptions) : io(options.url, socketOptions);

  const emitter = new Emitter<ChatClientEvents>();
  let changeQueued = false;
  const changed = () => {
    if (changeQueued) return;
    changeQueued = true;
    queueMicrotask(() => {
      changeQueued = false;
      emitter.emit("change");
    });
  };
  const emit = <E extends keyof ChatClientEvents>(event: E, ...args: Parameters<ChatClientEvents[E]>) => {
    emitter.emit(event, ...args);
    changed();
  };

  let me = name ?? (token === undefined ? undefined : nameInToken(token));
  let connection: ConnectionState = { status: "connecting" };
  const setConnection = (state: ConnectionState) => {
    connection = state;
    emit("connection", state);
  };

  /** The user's requests, in order; held while the connection is down or catching up. */
  const queue = new RequestQueue(options.queue);
  /** Catching up after a (re)connection: runs before the user's queued requests. */
  const control = new RequestQueue(options.queue);

  const call = <E extends ClientEventName>(
    event: E,
    args: ClientEventArgs<E>,
    via: RequestQueue = queue,
    onRetry?: RetryListener,
    retry = true,
  ): Promise<Outcome<ClientEventResult<E>>> =>
    via.request((timeoutMs) => emitChecked(socket, event, args, timeoutMs), { retry, onRetry });

  const problem = (what: string, error: Failure, note: Pick<Problem, "catchingUp" | "retrying"> = {}) =>
    emit("problem", { what, ...error, ...note });

  let inView: string | undefined;
  const unread = new Map<string, number>();
  const countUnread = (conversation: Conversation) => {
    const key = keyOf(conversation);
    if (key === inView) return;
    const count = (unread.get(key) ?? 0) + 1;
    unread.set(key, count);
    emit("unread", conversation, count);
  };

  /** The user's own messages not yet in their conversation, by client id. */
  const outgoing = new Map<ClientId, Outgoing>();
  const settleOutgoing = (clientId: ClientId | undefined, update: Partial<Outgoing>) => {
    const before = clientId === undefined ? undefined : outgoing.get(clientId);
    if (before === undefined) return undefined;
    const after: Outgoing = { ...before, ...update };
    if (after.status === "sent") outgoing.delete(before.clientId);
    else outgoing.set(before.clientId, after);
    emit("outgoing", after);
    return after;
  };
  /** A message of the user's: theirs by name, or by a client id this session chose. */
  const isOwn = (message: { from: UserName; clientId?: ClientId | undefined }) => {
    const ours = message.clientId !== undefined && outgoing.has(message.clientId);
    if (ours) me = message.from;
    return ours || message.from === me;
  };

  const rooms = new Map<RoomName, RoomState>();
  const typingShownMs = options.typingShownMs ?? 4_000;
  const roomState = (room: RoomName): RoomState => {
    const state = rooms.get(room);
    if (state !== undefined) return state;
    const created: RoomState = new RoomState(room, typingShownMs, {
      shown(message) {
        if (!created.log.add(message)) return;
        created.typing.stopped(message.from);
        const own = isOwn(message);
        // This session's own line, come back in a batch before its ack: `outgoing` tells of it.
        if (settleOutgoing(message.clientId, { status: "sent", id: message.id, sentAt: message.sentAt }) !== undefined) return;
        if (!own && created.live) countUnread({ room });
        emit("message", message);
      },
      typingChanged: () => emit("typing", room, created.typing.users),
    });
    rooms.set(room, created);
    emit("rooms", [...rooms.keys()]);
    return created;
  };
  for (const room of options.rooms ?? [defaultRoom]) roomState(room);

  const directs = new DirectLog(() => me);
  const inbox = new Feed<DirectMessage>((message) => {
    const own = isOwn(message);
    const sentHere = settleOutgoing(message.clientId, { status: "sent", id: message.id, sentAt: message.sentAt }) !== undefined;
    if (!directs.add(message) || sentHere) return;
    if (!own && inboxLive) countUnread({ peer: directs.peerOf(message) });
    emit("direct", message);
  });
  /** Whether the inbox has its baseline: messages from then on are news, not history. */
  let inboxLive = false;

  /** Every message of a room after `after`, page by page; undefined when the server would not say. */
  const missedIn = async (room: RoomName, after: MessageId | undefined, via: RequestQueue) => {
    const missed: ChatMessage[] = [];
    for (let from = after; ; ) {
      const outcome = await call("room:join", [from === undefined ? { room } : { room, after: from }], via);
      if (!outcome.ok) return outcome;
      missed.push(...outcome.data.messages);
      const last = outcome.data.messages.at(-1);
      if (!outcome.data.more || last === undefined) return { ok: true as const, data: { room, messages: missed, more: false } };
      from = last.id;
    }
  };

  const refreshPresence = async (state: RoomState, via: RequestQueue) => {
    const outcome = await call("presence:who", [{ room: state.room }], via);
    if (!outcome.ok || rooms.get(state.room) !== state) return;
    state.users = new Set(outcome.data.users);
    emit("presence", state.room, [...state.users], undefined);
  };

  /** Joins (or rejoins) a room and shows what the user has not seen of it, before anything newer. */
  const enter = async (state: RoomState, via: RequestQueue, generation: number) => {
    state.feed.catchUp();
    const fresh = state.feed.lastId === undefined;
    const outcome = await missedIn(state.room, state.feed.lastId, via);
    if (generation !== resyncs && via === control) return outcome;
    if (!outcome.ok) problem(`could not join ${state.room}`, outcome.error, via === control ? { catchingUp: true } : {});
    if (fresh && outcome.ok) state.hasOlder = outcome.data.messages.length >= limits.joinRecentLength;
    state.feed.caughtUp(outcome.ok ? outcome.data.messages : []);
    state.live = true;
    await refreshPresence(state, via);
    return outcome;
  };

  const catchUpInbox = async (generation: number) => {
    inbox.catchUp();
    const missed: DirectMessage[] = [];
    // The first time, the latest page is history; from then on, everything after the last shown.
    let after = inbox.lastId;
    const recent = options.recentDirects ?? limits.pageDefaultLength;
    for (;;) {
      const outcome = await call("dm:fetch", [after === undefined ? { limit: Math.max(recent, 1) } : { after }], control);
      if (!outcome.ok) {
        problem("could not load direct messages", outcome.error, { catchingUp: true });
        break;
      }
      const last = outcome.data.messages.at(-1);
      if (after === undefined && recent === 0) {
        // The newest message is the baseline, not news.
        inbox.lastId = last?.id ?? beforeEverything;
        break;
      }
      missed.push(...outcome.data.messages);
      if (after === undefined || !outcome.data.more || last === undefined) break;
      after = last.id;
    }
    if (generation !== resyncs) return;
    inbox.caughtUp(missed);
    inbox.lastId ??= beforeEverything;
    inboxLive = true;
  };

  /** Which catch-up is current: one overtaken by a newer (another reconnect) drops its results. */
  let resyncs = 0;
  /** After a (re)connection or `sync:required`: every room and the inbox caught up, then the user's requests. */
  const resync = async () => {
    const generation = ++resyncs;
    control.resume();
    await Promise.all([...[...rooms.values()].map((state) => enter(state, control, generation)), catchUpInbox(generation)]);
    // The server puts every new connection in the lobby; honour the user's leaving it.
    if (!rooms.has(defaultRoom)) await call("room:leave", [{ room: defaultRoom }], control);
    if (generation === resyncs && socket.connected) queue.resume();
  };

  let closed = false;
  const silenceReportMs = options.silenceReportMs ?? 10_000;
  let silenceTimer: ReturnType<typeof setTimeout> | undefined;
  const watchForSilence = () => {
    clearTimeout(silenceTimer);
    silenceTimer = setTimeout(() => {
      if (closed || socket.connected) return;
      const reason = `no answer within ${silenceReportMs / 1000} s`;
      const trouble: ConnectTrouble = { why: "silent" };
      setConnection(connection.status === "connecting" ? { status: "connecting", reason, trouble } : { status: "reconnecting", reason, trouble });
    }, silenceReportMs);
  };
  watchForSilence();
  socket.on("connect", () => {
    clearTimeout(silenceTimer);
    setConnection({ status: "connected", socketId: socket.id ?? "" });
    void resync();
  });
  socket.on("disconnect", (reason: string) => {
    queue.pause();
    control.pause();
    if (closed) return;
    setConnection({ status: "reconnecting", reason });
    watchForSilence();
    // After the server's own disconnect Socket.IO does not retry by itself.
    if (reason === "io server disconnect") socket.connect();
  });
  socket.on("connect_error", (error: Error & { data?: unknown }) => {
    const refusal = ConnectRefusal.safeParse(error.data);
    if (refusal.success && refusal.data.code === "unauthorized") {
      setConnection({ status: "refused", reason: refusal.data.message });
      return;
    }
    const reason = refusal.success ? refusal.data.message : unreachableCause(error);
    const trouble: ConnectTrouble = refusal.success ? { why: "refused", code: refusal.data.code } : { why: "unreachable" };
    setConnection(connection.status === "connecting" ? { status: "connecting", reason, trouble } : { status: "reconnecting", reason, trouble });
    // Full or shutting down: Socket.IO does not retry a refused handshake by itself.
    if (refusal.success) setTimeout(() => closed || socket.connect(), options.refusedRetryMs?.() ?? 1000 + Math.random() * 1000);
  });

  const invalid = (event: string, issues: ValidationIssue[]) => emit("invalid", event, issues);
  onChecked(socket, "message:new", (message) => rooms.get(message.room)?.feed.accept(message), invalid);
  onChecked(
    socket,
    "message:batch",
    (batch) => {
      for (const message of batch) rooms.get(message.room)?.feed.accept(message);
    },
    invalid,
  );
  onChecked(socket, "dm:new", (message) => inbox.accept(message), invalid);
  const presenceNotice = (joined: boolean) => (change: { room: RoomName; user: UserName }) => {
    const state = rooms.get(change.room);
    if (state === undefined) return;
    if (joined) state.users.add(change.user);
    else state.users.delete(change.user);
    if (!joined) state.typing.stopped(change.user);
    emit("presence", change.room, [...state.users], { user: change.user, joined });
  };
  onChecked(socket, "presence:joined", presenceNotice(true), invalid);
  onChecked(socket, "presence:left", presenceNotice(false), invalid);
  onChecked(
    socket,
    "typing:started",
    (notice) => {
      if (notice.user !== me) rooms.get(notice.room)?.typing.noticed(notice.user);
    },
    invalid,
  );
  onChecked(socket, "sync:required", () => void resync(), invalid);
  onChecked(socket, "session:closing", (notice) => emit("closing", notice), invalid);

  /** A line or direct message: pending at once, then sent or failed; a rate limit is said with its wait. */
  const send = async (to: Conversation, text: string): Promise<Outgoing> => {
    const clientId = newClientId();
    const written: Outgoing = { clientId, to, text, status: "pending" };
    outgoing.set(clientId, written);
    emit("outgoing", written);
    const what = "room" in to ? `sending to ${to.room}` : `sending to ${to.peer}`;
    if ("room" in to) {
      // The line ends the typing: a notice held back would come after it.
      clearTimeout(typingLater.get(to.room));
      typingLater.delete(to.room);
    }
    if (text.length > limits.textMaxLength) {
      const error: Failure = { code: "invalid_payload", message: `a message may be at most ${limits.textMaxLength} characters` };
      problem(what, error);
      return settleOutgoing(clientId, { status: "failed", error }) ?? written;
    }
    const onRetry: RetryListener = (error) => {
      if (error.code === "rate_limited") problem(what, error, { retrying: true });
    };
    const outcome =
      "room" in to
        ? await call("message:send", [{ room: to.room, text, clientId }], queue, onRetry)
        : await call("dm:send", [{ to: to.peer, text, clientId }], queue, onRetry);
    if (!outcome.ok) {
      problem(what, outcome.error);
      return settleOutgoing(clientId, { status: "failed", error: outcome.error }) ?? written;
    }
    const { id, sentAt } = outcome.data;
    const sender = me;
    // Shown in place at once: the server sends a line back only to the sender's other sessions.
    if ("room" in to && sender !== undefined) rooms.get(to.room)?.log.add({ id, room: to.room, from: sender, text, sentAt, clientId });
    if ("peer" in to && sender !== undefined) directs.add({ id, from: sender, to: to.peer, text, sentAt, clientId });
    return settleOutgoing(clientId, { status: "sent", id, sentAt }) ?? { ...written, status: "sent", id, sentAt };
  };

  const lastTyping = new Map<RoomName, number>();
  /** A notice held back by the interval, one per room at most. */
  const typingLater = new Map<RoomName, ReturnType<typeof setTimeout>>();
  const client: ChatClient = {
    on: (event, listener) => emitter.on(event, listener),
    get me() {
      return me;
    },
    get connection() {
      return connection;
    },
    get rooms() {
      return [...rooms.keys()];
    },
    get peers() {
      return directs.peers;
    },
    messagesOf: (room) => rooms.get(room)?.log.messages ?? [],
    hasOlder: (room) => rooms.get(room)?.hasOlder ?? false,
    directsWith: (peer) => directs.with(peer),
    outgoingTo(conversation) {
      const key = keyOf(conversation);
      return [...outgoing.values()].filter((entry) => keyOf(entry.to) === key);
    },
    usersIn: (room) => [...(rooms.get(room)?.users ?? [])],
    typingIn: (room) => rooms.get(room)?.typing.users ?? [],
    unreadOf: (conversation) => unread.get(keyOf(conversation)) ?? 0,
    view(conversation) {
      inView = conversation === undefined ? undefined : keyOf(conversation);
      if (conversation !== undefined && unread.delete(keyOf(conversation))) emit("unread", conversation, 0);
      changed();
    },
    async join(room) {
      const known = rooms.get(room);
      if (known !== undefined) return { ok: true, data: { room, messages: [...known.log.messages], more: known.hasOlder } };
      const outcome = await enter(roomState(room), queue, resyncs);
      if (!outcome.ok) {
        rooms.get(room)?.typing.clear();
        rooms.delete(room);
        emit("rooms", [...rooms.keys()]);
      }
      return outcome;
    },
    async create(room, { private: secret = false } = {}) {
      const known = rooms.get(room);
      const state = known ?? roomState(room);
      state.feed.catchUp();
      const outcome = await call("room:create", [{ room, private: secret }], queue, undefined, false);
      if (!outcome.ok) {
        problem(`could not create ${room}`, outcome.error);
        state.feed.caughtUp([]);
        if (known === undefined) {
          rooms.delete(room);
          emit("rooms", [...rooms.keys()]);
        }
        return outcome;
      }
      state.feed.caughtUp(outcome.data.messages);
      state.live = true;
      await refreshPresence(state, queue);
      return outcome;
    },
    async invite(room, user) {
      const outcome = await call("room:invite", [{ room, user }]);
      if (!outcome.ok) problem(`could not invite ${user} to ${room}`, outcome.error);
      return outcome;
    },
    async leave(room) {
      const state = rooms.get(room);
      state?.typing.clear();
      rooms.delete(room);
      unread.delete(keyOf({ room }));
      emit("rooms", [...rooms.keys()]);
      const outcome = await call("room:leave", [{ room }]);
      if (!outcome.ok && outcome.error.code !== "not_found") problem(`could not leave ${room}`, outcome.error);
      return outcome;
    },
    say: (room, text) => send({ room }, text),
    sendDirect: (to, text) => send({ peer: to }, text),
    async loadOlder(room, limit = limits.pageDefaultLength, from?: MessageId) {
      const state = rooms.get(room);
      if (state === undefined) return { ok: false, error: { code: "forbidden", message: `join room ${room} first` } };
      const before = from ?? state.log.oldestId;
      const outcome = await call("history:fetch", [before === undefined ? { room, limit } : { room, before, limit }]);
      if (!outcome.ok) {
        problem(`could not load the history of ${room}`, outcome.error);
        return outcome;
      }
      state.hasOlder = outcome.data.more;
      const added = state.log.addAll(outcome.data.messages);
      emit("older", room, added, outcome.data.more);
      return outcome;
    },
    typing(room) {
      if (!socket.connected || !rooms.has(room) || typingLater.has(room)) return;
      // A little over the server's interval, so that no notice is refused as too soon; typing
      // within it sends one notice when it ends, so that a pause is not taken for silence.
      const wait = (lastTyping.get(room) ?? 0) + limits.typingIntervalMs + 500 - Date.now();
      const notify = () => {
        typingLater.delete(room);
        if (!socket.connected || !rooms.has(room)) return;
        lastTyping.set(room, Date.now());
        socket.volatile.emit("typing:start", { room }, () => undefined);
      };
      if (wait <= 0) notify();
      else typingLater.set(room, setTimeout(notify, wait));
    },
    listRooms: () => call("room:list", []),
    who: (room) => call("presence:who", [{ room }]),
    async settled() {
      await queue.idle();
      await control.idle();
    },
    close() {
      closed = true;
      clearTimeout(silenceTimer);
      for (const state of rooms.values()) state.typing.clear();
      for (const timer of typingLater.values()) clearTimeout(timer);
      typingLater.clear();
      socket.close();
      setConnection({ status: "closed" });
    },
  };
  return client;
}
