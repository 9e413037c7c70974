import {
  ChatMessage,
  ConnectRefusal,
  DirectMessage,
  MessageBatch,
  PresenceChange,
  SessionClosing,
  TypingNotice,
  ackSchemaOf,
  defaultRoom,
  limits,
  type Ack,
  type ClientEventArgs,
  type ClientEventName,
  type ClientEventResult,
  type ClientToServerEvents,
  type MessageId,
  type RoomName,
  type ServerToClientEvents,
} from "@chat/protocol";
import { io, type Socket } from "socket.io-client";
import { commandHelp, type Command } from "./commands.ts";
import { beforeEverything, Feed } from "./feeds.ts";
import { newClientId } from "./client-ids.ts";
import { unreachableCause } from "./connect-errors.ts";
import { RequestQueue, type Outcome, type QueueOptions, type RetryListener } from "./request-queue.ts";
import { shown } from "./safe-text.ts";

export interface ChatClientEvents {
  /** Something for the user to read: the chat. */
  print(line: string): void;
  /** Something that went wrong: a request refused or failed, the server lost or out of reach. */
  error(line: string): void;
  /** The server will never let this client in (bad name, missing or bad token): retrying will not help. */
  refused(message: string): void;
}

export interface ChatClientOptions {
  queue?: Partial<QueueOptions>;
  /** A token for a server with AUTH_MODE=token; sent with the name, which must be the token's. */
  token?: string;
}

export interface ChatClient {
  /** Carries out one line of input, after every line before it. */
  run(command: Command): void;
  /** Tells the current room that the user is typing (at most every few seconds). */
  typing(): void;
  /** Resolves once every request so far has settled: true when none failed. */
  settled(): Promise<boolean>;
  close(): void;
}

type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** How long a connection may go unanswered before the user is told (connection refused is told at once). */
const silenceReportMs = 10_000;

/** How long a typing notice lasts on screen before the same user's next one is shown. */
const typingShownMs = 5_000;

export function connectChat(url: string, name: string, events: ChatClientEvents, options: ChatClientOptions = {}): ChatClient {
  const socket: ChatSocket = io(url, { auth: options.token === undefined ? { name } : { name, token: options.token } });
  /** The user's requests, in order; held while the connection is down or catching up. */
  const queue = new RequestQueue(options.queue);
  /** Catching up after a (re)connection: runs before the user's queued requests. */
  const control = new RequestQueue(options.queue);
  const { print, error: printError } = events;
  let failures = 0;
  let current: RoomName = defaultRoom;
  /**
   * Client ids of this session's own lines, which it never shows back to itself: the server
   * leaves them out of `message:new`, but a `message:batch` holds them like any other line.
   */
  const ownIds = new Set<string>();

  const rooms = new Map<RoomName, Feed<ChatMessage>>();
  const feedOf = (room: RoomName) => {
    let feed = rooms.get(room);
    if (feed === undefined) {
      feed = new Feed<ChatMessage>((message) => {
        if (message.clientId !== undefined && ownIds.has(message.clientId)) return;
        const where = message.room === current ? "" : `[${shown(message.room)}] `;
        print(`${where}${shown(message.text)} from ${shown(message.from)}`);
      });
      rooms.set(room, feed);
    }
    return feed;
  };
  feedOf(defaultRoom);
  const inbox = new Feed<DirectMessage>((message) => {
    if (message.clientId !== undefined && ownIds.has(message.clientId)) return;
    print(
      message.from === name
        ? `(dm) ${shown(message.text)} to ${shown(message.to)}`
        : `(dm) ${shown(message.text)} from ${shown(message.from)}`,
    );
  });

  /** One request through the queue; the ack is checked against the protocol's schema. */
  const call = <E extends ClientEventName>(
    event: E,
    args: ClientEventArgs<E>,
    retry: boolean,
    via: RequestQueue = queue,
    onRetry?: RetryListener,
  ): Promise<Outcome<ClientEventResult<E>>> => {
    const schema = ackSchemaOf(event);
    return via.request<ClientEventResult<E>>(
      (timeoutMs) =>
        new Promise((resolve, reject) => {
          // The typed overloads cannot follow a generic event; the ack is checked below.
          const timed = socket.timeout(timeoutMs) as unknown as {
            emit(event: string, ...rest: unknown[]): void;
          };
          timed.emit(event, ...args, (error: Error | null, raw: unknown) => {
            if (error) return reject(error);
            const ack = schema.safeParse(raw);
            resolve(
              ack.success
                ? (ack.data as Ack<ClientEventResult<E>>)
                : { ok: false, error: { code: "internal", message: "the server's answer does not follow the protocol" } },
            );
          });
        }),
      { retry, onRetry },
    );
  };

  const report = (outcome: Outcome<unknown>, what: string): outcome is Extract<Outcome<unknown>, { ok: false }> => {
    if (outcome.ok) return false;
    failures += 1;
    printError(`error: ${outcome.error.code}: ${shown(what)}${shown(outcome.error.message)}`);
    return true;
  };

  /**
   * A line or direct message, retried while the server's send limit holds it back. That is
   * said once, not at every retry nor for every line held back in a row; a line that goes
   * through without waiting ends the run.
   */
  let rateLimitShown = false;
  const send = async <E extends "message:send" | "dm:send">(event: E, args: ClientEventArgs<E>) => {
    let held = false;
    const outcome = await call(event, args, true, queue, (error) => {
      if (error.code !== "rate_limited") return;
      held = true;
      if (!rateLimitShown) printError(`error: rate_limited: ${shown(error.message)}; sending it as soon as allowed`);
      rateLimitShown = true;
    });
    if (outcome.ok && !held) rateLimitShown = false;
    return outcome;
  };

  /** Fetches everything after `after`, page by page. */
  const missedIn = async (
    room: RoomName,
    after: MessageId | undefined,
    via: RequestQueue = queue,
  ): Promise<ChatMessage[] | undefined> => {
    const missed: ChatMessage[] = [];
    for (let from = after; ; ) {
      const outcome = await call("room:join", [from === undefined ? { room } : { room, after: from }], true, via);
      if (report(outcome, `could not join ${room}: `)) return undefined;
      if (!outcome.ok) return undefined;
      missed.push(...outcome.data.messages);
      const last = outcome.data.messages.at(-1);
      if (!outcome.data.more || last === undefined) return missed;
      from = last.id;
    }
  };

  const catchUpRoom = async (room: RoomName) => {
    const feed = feedOf(room);
    feed.catchUp();
    const missed = await missedIn(room, feed.lastId, control);
    feed.caughtUp(missed ?? []);
  };

  const catchUpInbox = async () => {
    inbox.catchUp();
    const missed: DirectMessage[] = [];
    if (inbox.lastId === undefined) {
      // First connection: start from the newest message, without showing old ones.
      const outcome = await call("dm:fetch", [{ limit: 1 }], true, control);
      inbox.lastId = outcome.ok ? (outcome.data.messages.at(-1)?.id ?? beforeEverything) : undefined;
    } else {
      for (let after = inbox.lastId; ; ) {
        const outcome = await call("dm:fetch", [{ after }], true, control);
        if (!outcome.ok) break;
        missed.push(...outcome.data.messages);
        const last = outcome.data.messages.at(-1);
        if (!outcome.data.more || last === undefined) break;
        after = last.id;
      }
    }
    inbox.caughtUp(missed);
  };

  /** After a (re)connection: rejoin every room and show what was missed, before anything else. */
  const resync = async () => {
    for (const feed of [...rooms.values(), inbox]) feed.catchUp();
    control.resume();
    await Promise.all([...[...rooms.keys()].map(catchUpRoom), catchUpInbox()]);
    // The server puts every new connection in the lobby; honour an earlier /leave.
    if (!rooms.has(defaultRoom)) await call("room:leave", [{ room: defaultRoom }], true, control);
    if (socket.connected) queue.resume();
  };

  /** Say once, not at every retry, that the server cannot be reached. */
  let unreachableReported = false;
  /**
   * A server that takes the connection and never answers fails only at Socket.IO's connect
   * timeout (20 s): said sooner, once, while the client keeps waiting and trying.
   */
  let silenceTimer: ReturnType<typeof setTimeout> | undefined;
  const watchForSilence = () => {
    clearTimeout(silenceTimer);
    silenceTimer = setTimeout(() => {
      if (socket.connected || unreachableReported) return;
      unreachableReported = true;
      printError(`cannot reach ${url}: no answer within ${silenceReportMs / 1000} s; retrying…`);
    }, silenceReportMs);
  };
  watchForSilence();
  socket.on("connect", () => {
    clearTimeout(silenceTimer);
    unreachableReported = false;
    print(`connected, id: ${shown(socket.id ?? "?")}`);
    void resync();
  });
  socket.on("disconnect", (reason) => {
    queue.pause();
    control.pause();
    if (reason === "io client disconnect") return;
    printError(`disconnected (${reason}), reconnecting…`);
    watchForSilence();
    // After a server-side disconnect Socket.IO does not retry by itself.
    if (reason === "io server disconnect") socket.connect();
  });
  socket.on("connect_error", (error: Error & { data?: unknown }) => {
    const refusal = ConnectRefusal.safeParse(error.data);
    if (refusal.success && refusal.data.code === "unauthorized") {
      events.refused(`error: ${refusal.data.code}: ${shown(refusal.data.message)}`);
      return;
    }
    if (refusal.success) {
      // Full or shutting down: Socket.IO does not retry a refused handshake by itself.
      printError(`error: ${refusal.data.code}: ${shown(refusal.data.message)}; retrying…`);
      setTimeout(() => socket.connect(), 1000 + Math.random() * 1000);
      return;
    }
    if (!unreachableReported) printError(`cannot reach ${url}: ${unreachableCause(error)}; retrying…`);
    unreachableReported = true;
  });
  socket.on("message:new", (raw) => {
    const message = ChatMessage.safeParse(raw);
    if (message.success) rooms.get(message.data.room)?.accept(message.data);
  });
  // Several lines of one room, oldest first: shown as that many `message:new`, each once.
  socket.on("message:batch", (raw) => {
    const batch = MessageBatch.safeParse(raw);
    if (!batch.success) return;
    for (const message of batch.data) rooms.get(message.room)?.accept(message);
  });
  socket.on("dm:new", (raw) => {
    const message = DirectMessage.safeParse(raw);
    if (message.success) inbox.accept(message.data);
  });
  socket.on("presence:joined", (raw) => {
    const change = PresenceChange.safeParse(raw);
    if (change.success && rooms.has(change.data.room)) print(`* ${shown(change.data.user)} joined ${shown(change.data.room)}`);
  });
  socket.on("presence:left", (raw) => {
    const change = PresenceChange.safeParse(raw);
    if (change.success && rooms.has(change.data.room)) print(`* ${shown(change.data.user)} left ${shown(change.data.room)}`);
  });
  const typingShown = new Map<string, number>();
  socket.on("typing:started", (raw) => {
    const notice = TypingNotice.safeParse(raw);
    if (!notice.success || !rooms.has(notice.data.room)) return;
    const key = `${notice.data.room} ${notice.data.user}`;
    if (Date.now() - (typingShown.get(key) ?? 0) < typingShownMs) return;
    typingShown.set(key, Date.now());
    print(`* ${shown(notice.data.user)} is typing in ${shown(notice.data.room)}…`);
  });
  socket.on("sync:required", () => void resync());
  // Why the server is closing this connection; the disconnection follows, and so does the reconnection.
  socket.on("session:closing", (raw) => {
    const notice = SessionClosing.safeParse(raw);
    if (notice.success) printError(`error: ${notice.data.code}: ${shown(notice.data.message)}`);
  });

  const say = async (room: RoomName, text: string) => {
    if (text.length > limits.textMaxLength) {
      failures += 1;
      printError(`error: invalid_payload: a line may be at most ${limits.textMaxLength} characters`);
      return;
    }
    const clientId = newClientId();
    ownIds.add(clientId);
    report(await send("message:send", [{ room, text, clientId }]), "");
  };

  const run = async (command: Command): Promise<void> => {
    switch (command.kind) {
      case "say":
        return say(current, command.text);
      case "join": {
        const feed = feedOf(command.room);
        feed.catchUp();
        const missed = await missedIn(command.room, feed.lastId);
        if (missed === undefined) {
          rooms.delete(command.room);
          return;
        }
        current = command.room;
        print(`* joined ${shown(command.room)}; lines now go to ${shown(command.room)}`);
        feed.caughtUp(missed);
        return;
      }
      case "create": {
        // Not retried: a second attempt after a lost answer would find the room taken, by this very user.
        const known = rooms.has(command.room);
        const feed = feedOf(command.room);
        feed.catchUp();
        const outcome = await call("room:create", [{ room: command.room, private: command.private }], false);
        if (report(outcome, `could not create ${command.room}: `) || !outcome.ok) {
          if (known) feed.caughtUp([]);
          else rooms.delete(command.room);
          return;
        }
        current = command.room;
        print(`* created ${command.private ? "private " : ""}room ${command.room}; lines now go to ${command.room}`);
        feed.caughtUp(outcome.data.messages);
        return;
      }
      case "invite": {
        const room = command.room ?? current;
        const outcome = await call("room:invite", [{ room, user: command.user }], true);
        if (!report(outcome, "") && outcome.ok) print(`* invited ${command.user} to ${room}`);
        return;
      }
      case "leave": {
        if (!rooms.has(command.room)) return void printError(`error: not_found: you are not in room ${shown(command.room)}`);
        rooms.delete(command.room);
        if (current === command.room) current = rooms.keys().next().value ?? defaultRoom;
        const outcome = await call("room:leave", [{ room: command.room }], true);
        if (outcome.ok || outcome.error.code === "not_found") print(`* left ${shown(command.room)}; current room: ${shown(current)}`);
        else report(outcome, "");
        return;
      }
      case "rooms":
        return void print(`* rooms: ${[...rooms.keys()].sort().map(shown).join(", ")} (current: ${shown(current)})`);
      case "switch":
        if (!rooms.has(command.room)) return void printError(`error: not_found: join ${shown(command.room)} first (/join ${shown(command.room)})`);
        current = command.room;
        return void print(`* lines now go to ${shown(current)}`);
      case "who": {
        const room = command.room ?? current;
        const outcome = await call("presence:who", [{ room }], true);
        if (!report(outcome, "") && outcome.ok) print(`* online in ${shown(room)}: ${outcome.data.users.map(shown).join(", ") || "nobody"}`);
        return;
      }
      case "history": {
        const room = current;
        const feed = feedOf(room);
        const limit = command.count ?? limits.pageDefaultLength;
        const outcome = await call("history:fetch", [{ room, before: feed.oldestId, limit }], true);
        if (report(outcome, "") || !outcome.ok) return;
        print(`* history of ${shown(room)}: ${outcome.data.messages.length} earlier message(s)${outcome.data.more ? "" : ", from the start"}`);
        for (const message of outcome.data.messages) print(`${shown(message.text)} from ${shown(message.from)}`);
        feed.shownOlder(outcome.data.messages[0]?.id);
        return;
      }
      case "dm": {
        const clientId = newClientId();
        ownIds.add(clientId);
        report(await send("dm:send", [{ to: command.to, text: command.text, clientId }]), "");
        return;
      }
      case "help":
        return void print(commandHelp);
      case "invalid":
        return void printError(`error: invalid_command: ${shown(command.reason)}`);
    }
  };

  /** Commands run one after another, each once the one before has its answer. */
  let chain = Promise.resolve();
  let lastTyping = 0;
  return {
    run(command) {
      chain = chain.then(() => run(command));
    },
    typing() {
      const now = Date.now();
      if (now - lastTyping < limits.typingIntervalMs + 500 || !socket.connected) return;
      lastTyping = now;
      socket.volatile.emit("typing:start", { room: current }, () => undefined);
    },
    settled: async () => {
      await chain;
      await queue.idle();
      return failures === 0;
    },
    close: () => {
      clearTimeout(silenceTimer);
      socket.close();
    },
  };
}
