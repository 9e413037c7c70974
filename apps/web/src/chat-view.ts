import type { ChatClient, Conversation, Outgoing } from "@chat/client-core";
import { RoomName, defaultRoom, limits } from "@chat/protocol";
import { h, replace } from "./dom.ts";
import { messageList, type Line } from "./message-list.ts";
import { connectionWords, problemWords } from "./words.ts";

/** How long a problem stays on screen unless another replaces it. */
const problemShownMs = 10_000;

const badge = (count: number) =>
  count === 0 ? undefined : h("span", { class: "badge" }, String(count), h("span", { class: "sr-only" }, " unread"));

const lineOfOutgoing = (outgoing: Outgoing, me: string): Line => ({
  key: `out:${outgoing.clientId}`,
  from: me,
  text: outgoing.text,
  sentAt: outgoing.sentAt,
  own: true,
  status: outgoing.status,
  ...(outgoing.error === undefined ? {} : { failure: outgoing.error.message }),
});

/** The chat once signed in: rooms and people on the sides, the conversation in the middle. */
export function chatView(client: ChatClient, onSignOut: () => void): HTMLElement {
  let current: Conversation = { room: defaultRoom };
  /** The room whose people are listed: the current one, or the last one seen when a direct conversation is open. */
  let peopleRoom: string = defaultRoom;
  let loadingOlder = false;
  let problem: string | undefined;
  let problemTimer: ReturnType<typeof setTimeout> | undefined;

  const showProblem = (words: string) => {
    problem = words;
    clearTimeout(problemTimer);
    problemTimer = setTimeout(() => {
      problem = undefined;
      render();
    }, problemShownMs);
    render();
  };

  const open = (conversation: Conversation) => {
    current = conversation;
    if ("room" in conversation) peopleRoom = conversation.room;
    client.view(conversation);
    render();
    message.focus();
  };

  const loadOlder = () => {
    if (loadingOlder || !("room" in current) || !client.hasOlder(current.room)) return;
    loadingOlder = true;
    render();
    void client.loadOlder(current.room).finally(() => {
      loadingOlder = false;
      render();
    });
  };

  // Built once; `render` fills them in.
  const status = h("p", { class: "connection", role: "status" });
  const roomsList = h("ul", { class: "rooms", "aria-label": "Rooms" });
  const directList = h("ul", { class: "directs", "aria-label": "Direct messages" });
  const peopleList = h("ul", { class: "people", "aria-label": "Online" });
  const peopleTitle = h("h2", {}, "Online");
  const title = h("h2", { class: "title" });
  const typing = h("p", { class: "typing", "aria-live": "polite" });
  const problemLine = h("p", { class: "problem", role: "alert" });
  const log = messageList(loadOlder);

  const roomInput = h("input", { id: "join-room", name: "room", autocomplete: "off", maxlength: limits.nameMaxLength, placeholder: "room name" });
  const joinRoom = async (event: Event) => {
    event.preventDefault();
    const checked = RoomName.safeParse(roomInput.value.trim());
    if (!checked.success) return showProblem(`Cannot join that room: ${checked.error.issues[0]?.message ?? "bad name"}.`);
    roomInput.value = "";
    const room = checked.data;
    // The client holds the room from the call on: open it before the server answers.
    const joining = client.join(room);
    open({ room });
    const outcome = await joining;
    if (!outcome.ok && "room" in current && current.room === room) open({ room: client.rooms[0] ?? defaultRoom });
  };

  const message = h("input", {
    id: "message",
    name: "message",
    autocomplete: "off",
    maxlength: limits.textMaxLength,
    enterkeyhint: "send",
    oninput: () => {
      if ("room" in current) client.typing(current.room);
    },
  });
  const send = (event: Event) => {
    event.preventDefault();
    const text = message.value;
    if (text.trim() === "") return;
    message.value = "";
    void ("room" in current ? client.say(current.room, text) : client.sendDirect(current.peer, text));
  };

  const roomItem = (room: string) => {
    const here = "room" in current && current.room === room;
    return h(
      "li",
      {},
      h("button", { type: "button", class: "open", "aria-current": here ? "true" : undefined, onclick: () => open({ room }) }, `#${room}`, badge(client.unreadOf({ room }))),
      h(
        "button",
        {
          type: "button",
          class: "leave",
          "aria-label": `Leave ${room}`,
          title: `Leave ${room}`,
          onclick: () => {
            void client.leave(room);
            if (here) open({ room: client.rooms[0] ?? defaultRoom });
          },
        },
        "×",
      ),
    );
  };

  const peerItem = (peer: string) => {
    const here = "peer" in current && current.peer === peer;
    return h("li", {}, h("button", { type: "button", class: "open", "aria-current": here ? "true" : undefined, onclick: () => open({ peer }) }, `@${peer}`, badge(client.unreadOf({ peer }))));
  };

  const personItem = (user: string) =>
    user === client.me
      ? h("li", { class: "me" }, `${user} (you)`)
      : h("li", {}, h("button", { type: "button", title: `Direct messages with ${user}`, onclick: () => open({ peer: user }) }, user));

  const linesOf = (conversation: Conversation): Line[] => {
    const me = client.me ?? "you";
    const pending = client.outgoingTo(conversation).map((outgoing) => lineOfOutgoing(outgoing, me));
    if ("room" in conversation) {
      const shown = client.messagesOf(conversation.room).map((m): Line => ({ key: m.id, from: m.from, text: m.text, sentAt: m.sentAt, own: m.from === client.me, status: "sent" }));
      return [...shown, ...pending];
    }
    const shown = client.directsWith(conversation.peer).map((m): Line => ({ key: `${m.from}:${m.clientId ?? m.id}`, from: m.from, text: m.text, sentAt: m.sentAt, own: m.from === client.me, status: "sent" }));
    return [...shown, ...pending];
  };

  const typingWords = (users: readonly string[]) =>
    users.length === 0 ? "" : users.length === 1 ? `${users[0]} is typing…` : `${users.slice(0, -1).join(", ")} and ${users.at(-1)} are typing…`;

  function render() {
    const state = client.connection;
    status.textContent = connectionWords(state, client.me);
    status.dataset.state = state.status;
    // Which connection this is, for whoever looks at the page (the server logs it by this id).
    status.dataset.socketId = state.status === "connected" ? state.socketId : "";
    // A room left meanwhile (or refused) is not shown.
    if ("room" in current && !client.rooms.includes(current.room)) current = { room: client.rooms[0] ?? defaultRoom };
    if (!client.rooms.includes(peopleRoom)) peopleRoom = client.rooms[0] ?? defaultRoom;
    replace(roomsList, client.rooms.map(roomItem));
    const peers = new Set(client.peers);
    if ("peer" in current) peers.add(current.peer);
    replace(directList, [...peers].map(peerItem));
    peopleTitle.textContent = `Online in #${peopleRoom}`;
    replace(peopleList, [...client.usersIn(peopleRoom)].sort().map(personItem));
    const name = "room" in current ? `#${current.room}` : `@${current.peer}`;
    title.textContent = "room" in current ? name : `Direct messages with ${current.peer}`;
    const hasOlder = "room" in current && client.hasOlder(current.room);
    log.show(name, name, linesOf(current), hasOlder, loadingOlder);
    typing.textContent = "room" in current ? typingWords(client.typingIn(current.room)) : "";
    problemLine.textContent = problem ?? "";
    problemLine.hidden = problem === undefined;
    message.placeholder = "room" in current ? `Message #${current.room}` : `Message ${current.peer}`;
    const unread = client.rooms.reduce((sum, room) => sum + client.unreadOf({ room }), 0) + client.peers.reduce((sum, peer) => sum + client.unreadOf({ peer }), 0);
    document.title = unread === 0 ? "Chat" : `(${unread}) Chat`;
  }

  client.on("change", render);
  client.on("problem", (reported) => showProblem(problemWords(reported)));
  client.on("invalid", (event) => console.warn(`the server sent a ${event} that does not follow the protocol; it was dropped`));
  client.view(current);

  const view = h(
    "div",
    { class: "chat" },
    h(
      "header",
      { class: "bar" },
      h("h1", {}, "Chat"),
      status,
      h("button", { type: "button", class: "sign-out", onclick: onSignOut }, "Sign out"),
    ),
    h(
      "nav",
      { class: "side", "aria-label": "Conversations" },
      h("h2", {}, "Rooms"),
      roomsList,
      h("form", { class: "join", onsubmit: joinRoom }, h("label", { for: "join-room", class: "sr-only" }, "Room to join"), roomInput, h("button", { type: "submit" }, "Join room")),
      h("h2", {}, "Direct messages"),
      directList,
    ),
    h(
      "main",
      { class: "conversation" },
      title,
      log.element,
      typing,
      problemLine,
      h("form", { class: "composer", onsubmit: send }, h("label", { for: "message", class: "sr-only" }, "Message"), message, h("button", { type: "submit" }, "Send")),
    ),
    h("aside", { class: "online" }, peopleTitle, peopleList),
  );
  render();
  queueMicrotask(() => message.focus());
  return view;
}
