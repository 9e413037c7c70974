import type { Outgoing } from "@chat/client-core";
import { h } from "./dom.ts";
import { timeOf } from "./words.ts";

/** One line of a conversation as shown: a message the server has, or one of the user's own on its way. */
export interface Line {
  key: string;
  from: string;
  text: string;
  sentAt: number | undefined;
  own: boolean;
  status: Outgoing["status"];
  failure?: string;
}

export interface MessageListView {
  /** The scrolling region (role `log`). */
  readonly element: HTMLElement;
  /** Shows `lines` (oldest first) for `conversation`, keeping the reader's place. */
  show(conversation: string, title: string, lines: readonly Line[], hasOlder: boolean, loadingOlder: boolean): void;
}

/** How close to an edge counts as at it, in pixels. */
const edge = 48;

const lineElement = (line: Line): HTMLElement => {
  const status =
    line.status === "pending"
      ? h("span", { class: "status" }, "sending…")
      : line.status === "failed"
        ? h("span", { class: "status" }, `not sent: ${line.failure ?? "failed"}`)
        : undefined;
  return h(
    "li",
    { class: `message${line.own ? " own" : ""}${line.status === "sent" ? "" : ` ${line.status}`}` },
    h(
      "div",
      { class: "meta" },
      h("span", { class: "from" }, line.from),
      " ",
      line.sentAt === undefined ? undefined : h("time", { datetime: new Date(line.sentAt).toISOString() }, timeOf(line.sentAt)),
      status === undefined ? undefined : " ",
      status,
    ),
    // Text node only: a message is shown as written, never read as HTML.
    h("p", { class: "text" }, line.text),
  );
};

/**
 * A conversation's messages. Scrolling to the top (or the button there, for the keyboard)
 * asks for older ones; the view stays at the bottom while the reader is there, and stays on
 * what they read when older lines are put above it.
 */
export function messageList(loadOlder: () => void): MessageListView {
  const list = h("ol", { class: "messages" });
  const older = h("button", { type: "button", class: "older", onclick: () => loadOlder() }, "Load older messages");
  const element = h("div", { class: "log", role: "log", tabindex: 0, "aria-label": "Messages" }, older, list);
  const cache = new Map<string, { line: Line; element: HTMLElement }>();
  let shownConversation: string | undefined;
  let firstKey: string | undefined;

  /** Where the reader last was: only a move up (theirs, not a redraw's) asks for older lines. */
  let lastTop = 0;
  const nearTop = () => element.scrollTop < edge && !older.hidden && !older.disabled;
  element.addEventListener("scroll", () => {
    if (element.scrollTop < lastTop && nearTop()) loadOlder();
    lastTop = element.scrollTop;
  });
  // At the top already (or too few lines to scroll), the wheel or the keys still say "further up".
  element.addEventListener("wheel", (event) => event.deltaY < 0 && nearTop() && loadOlder(), { passive: true });
  element.addEventListener("keydown", (event) => ["ArrowUp", "PageUp", "Home"].includes(event.key) && nearTop() && loadOlder());

  return {
    element,
    show(conversation, title, lines, hasOlder, loadingOlder) {
      const switched = conversation !== shownConversation;
      const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < edge;
      const fromBottom = element.scrollHeight - element.scrollTop;
      if (switched) cache.clear();
      element.setAttribute("aria-label", `Messages in ${title}`);
      older.hidden = !hasOlder;
      older.disabled = loadingOlder;
      older.textContent = loadingOlder ? "Loading older messages…" : "Load older messages";

      const keep = new Set<string>();
      const elements = lines.map((line) => {
        keep.add(line.key);
        const cached = cache.get(line.key);
        if (cached !== undefined && cached.line.status === line.status && cached.line.failure === line.failure) return cached.element;
        const made = lineElement(line);
        cache.set(line.key, { line, element: made });
        return made;
      });
      for (const key of cache.keys()) if (!keep.has(key)) cache.delete(key);
      // Only what changed is moved: the reader's selection and the screen reader's place survive.
      const current = [...list.children];
      if (current.length !== elements.length || current.some((child, i) => child !== elements[i])) list.replaceChildren(...elements);

      const newFirst = lines[0]?.key;
      const grewAbove = !switched && firstKey !== undefined && newFirst !== firstKey && lines.some((line) => line.key === firstKey);
      firstKey = newFirst;
      shownConversation = conversation;
      if (switched || atBottom) element.scrollTop = element.scrollHeight;
      else if (grewAbove) element.scrollTop = element.scrollHeight - fromBottom;
      lastTop = element.scrollTop;
    },
  };
}
