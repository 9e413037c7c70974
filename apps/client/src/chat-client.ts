import { createChatClient, type ConnectionState, type Outcome, type QueueOptions } from "@chat/client-core";
import { defaultRoom, limits, type ChatMessage, type MessageId, type RoomName } from "@chat/protocol";
import { commandHelp, type Command } from "./commands.ts";
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

/** How long a typing notice lasts on screen before the same user's next one is shown. */
const typingShownMs = 5_000;

/** The terminal's face of the chat: the core's events as printed lines, each line of input as one of its actions. */
export function connectChat(url: string, name: string, events: ChatClientEvents, options: ChatClientOptions = {}): ChatClient {
  // withCredentials: a load balancer's sticky cookie (HAProxy) is kept and sent back, so that
  // every request of a long-polling session reaches the same instance.
  const chat = createChatClient({
    url,
    name,
    token: options.token,
    queue: options.queue,
    recentDirects: 0,
    socket: { withCredentials: true },
  });
  const { print, error: printError } = events;
  let failures = 0;
  let current: RoomName = defaultRoom;
  const fail = (line: string) => {
    failures += 1;
    printError(line);
  };
  /** Prints a failed outcome; true when it failed. */
  const report = (outcome: Outcome<unknown>, what = ""): outcome is Extract<Outcome<unknown>, { ok: false }> => {
    if (outcome.ok) return false;
    fail(`error: ${outcome.error.code}: ${shown(what)}${shown(outcome.error.message)}`);
    return true;
  };

  /**
   * The oldest line shown of each room, where /history goes on: the user's own lines, on
   * screen as typed, are not among them.
   */
  const oldestShown = new Map<RoomName, MessageId>();
  const showMessage = (message: ChatMessage) => {
    if (!oldestShown.has(message.room)) oldestShown.set(message.room, message.id);
    const where = message.room === current ? "" : `[${shown(message.room)}] `;
    print(`${where}${shown(message.text)} from ${shown(message.from)}`);
  };
  /**
   * The room being joined or created: its lines wait until the join is told (`* joined …`),
   * so that they come after it, as the room's first lines.
   */
  let entering: { room: RoomName; held: ChatMessage[] } | undefined;
  chat.on("message", (message) => {
    if (entering?.room === message.room) entering.held.push(message);
    else showMessage(message);
  });
  const enter = async (room: RoomName, request: () => Promise<Outcome<unknown>>, told: string): Promise<Outcome<unknown>> => {
    const held: ChatMessage[] = [];
    entering = { room, held };
    const outcome = await request();
    entering = undefined;
    if (outcome.ok) {
      current = room;
      print(told);
    }
    for (const message of held) showMessage(message);
    return outcome;
  };

  chat.on("direct", (message) => {
    print(
      message.from === chat.me
        ? `(dm) ${shown(message.text)} to ${shown(message.to)}`
        : `(dm) ${shown(message.text)} from ${shown(message.from)}`,
    );
  });
  chat.on("presence", (room, _users, change) => {
    if (change !== undefined) print(`* ${shown(change.user)} ${change.joined ? "joined" : "left"} ${shown(room)}`);
  });
  const typingShown = new Map<string, number>();
  /** Who was typing in each room at the last change: only those newly among them are told. */
  const typingBefore = new Map<RoomName, readonly string[]>();
  chat.on("typing", (room, users) => {
    const before = typingBefore.get(room) ?? [];
    typingBefore.set(room, users);
    for (const user of users.filter((user) => !before.includes(user))) {
      const key = `${room} ${user}`;
      if (Date.now() - (typingShown.get(key) ?? 0) < typingShownMs) continue;
      typingShown.set(key, Date.now());
      print(`* ${shown(user)} is typing in ${shown(room)}…`);
    }
  });
  chat.on("closing", (notice) => printError(`error: ${notice.code}: ${shown(notice.message)}`));

  /**
   * A send held back by the server's send limit is said once, not at every retry nor for
   * every line held back in a row; a line that goes through without waiting ends the run.
   */
  let rateLimitShown = false;
  let held = false;
  chat.on("problem", (problem) => {
    if (problem.retrying && problem.code === "rate_limited") {
      held = true;
      if (!rateLimitShown) printError(`error: rate_limited: ${shown(problem.message)}; sending it as soon as allowed`);
      rateLimitShown = true;
    } else if (problem.catchingUp && problem.what.startsWith("could not join")) {
      fail(`error: ${problem.code}: ${shown(problem.what)}: ${shown(problem.message)}`);
    }
  });

  /** Said once, not at every retry, until connected again. */
  let unreachableReported = false;
  chat.on("connection", (state: ConnectionState) => {
    switch (state.status) {
      case "connected":
        unreachableReported = false;
        return void print(`connected, id: ${shown(state.socketId || "?")}`);
      case "refused":
        return events.refused(`error: unauthorized: ${shown(state.reason)}`);
      case "closed":
        return;
      case "connecting":
      case "reconnecting": {
        const { trouble, reason = "" } = state;
        if (trouble === undefined) {
          if (state.status === "reconnecting") printError(`disconnected (${reason}), reconnecting…`);
        } else if (trouble.why === "refused") {
          printError(`error: ${trouble.code}: ${shown(reason)}; retrying…`);
        } else if (!unreachableReported) {
          unreachableReported = true;
          printError(`cannot reach ${url}: ${reason}; retrying…`);
        }
        return;
      }
    }
  });

  const send = async (sending: () => ReturnType<typeof chat.say>) => {
    held = false;
    const outgoing = await sending();
    if (outgoing.status === "failed" && outgoing.error !== undefined) {
      fail(`error: ${outgoing.error.code}: ${shown(outgoing.error.message)}`);
    }
    if (outgoing.status === "sent" && !held) rateLimitShown = false;
  };

  const run = async (command: Command): Promise<void> => {
    switch (command.kind) {
      case "say":
        if (command.text.length > limits.textMaxLength) {
          return void fail(`error: invalid_payload: a line may be at most ${limits.textMaxLength} characters`);
        }
        return send(() => chat.say(current, command.text));
      case "join": {
        const { room } = command;
        const outcome = await enter(room, () => chat.join(room), `* joined ${shown(room)}; lines now go to ${shown(room)}`);
        report(outcome, `could not join ${room}: `);
        return;
      }
      case "create": {
        const { room } = command;
        const told = `* created ${command.private ? "private " : ""}room ${room}; lines now go to ${room}`;
        report(await enter(room, () => chat.create(room, { private: command.private }), told), `could not create ${room}: `);
        return;
      }
      case "invite": {
        const room = command.room ?? current;
        const outcome = await chat.invite(room, command.user);
        if (!report(outcome)) print(`* invited ${command.user} to ${room}`);
        return;
      }
      case "leave": {
        const { room } = command;
        if (!chat.rooms.includes(room)) return void printError(`error: not_found: you are not in room ${shown(room)}`);
        const leaving = chat.leave(room);
        oldestShown.delete(room);
        if (current === room) current = chat.rooms[0] ?? defaultRoom;
        const outcome = await leaving;
        if (outcome.ok || outcome.error.code === "not_found") print(`* left ${shown(room)}; current room: ${shown(current)}`);
        else report(outcome);
        return;
      }
      case "rooms":
        return void print(`* rooms: ${[...chat.rooms].sort().map(shown).join(", ")} (current: ${shown(current)})`);
      case "switch":
        if (!chat.rooms.includes(command.room)) {
          return void printError(`error: not_found: join ${shown(command.room)} first (/join ${shown(command.room)})`);
        }
        current = command.room;
        return void print(`* lines now go to ${shown(current)}`);
      case "who": {
        const room = command.room ?? current;
        const outcome = await chat.who(room);
        if (!report(outcome) && outcome.ok) print(`* online in ${shown(room)}: ${outcome.data.users.map(shown).join(", ") || "nobody"}`);
        return;
      }
      case "history": {
        const room = current;
        const outcome = await chat.loadOlder(room, command.count ?? limits.pageDefaultLength, oldestShown.get(room));
        if (report(outcome) || !outcome.ok) return;
        const [oldest] = outcome.data.messages;
        if (oldest !== undefined) oldestShown.set(room, oldest.id);
        print(`* history of ${shown(room)}: ${outcome.data.messages.length} earlier message(s)${outcome.data.more ? "" : ", from the start"}`);
        for (const message of outcome.data.messages) print(`${shown(message.text)} from ${shown(message.from)}`);
        return;
      }
      case "dm":
        return send(() => chat.sendDirect(command.to, command.text));
      case "help":
        return void print(commandHelp);
      case "invalid":
        return void printError(`error: invalid_command: ${shown(command.reason)}`);
    }
  };

  /** Commands run one after another, each once the one before has its answer. */
  let chain = Promise.resolve();
  return {
    run(command) {
      chain = chain.then(() => run(command));
    },
    typing: () => chat.typing(current),
    settled: async () => {
      await chain;
      await chat.settled();
      return failures === 0;
    },
    close: () => chat.close(),
  };
}
