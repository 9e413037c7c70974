import { UserName } from "@chat/protocol";
import { h } from "./dom.ts";

export interface Identity {
  name: string;
  token: string | undefined;
}

/** The sign-in form: a name, and a token when the server requires one; `refusal` says why the last try failed. */
export function signInView(onSignIn: (identity: Identity) => void, remembered: string, refusal?: string): HTMLElement {
  const name = h("input", { id: "sign-in-name", name: "name", autocomplete: "username", required: true, maxlength: 32, value: remembered });
  const token = h("input", { id: "sign-in-token", name: "token", autocomplete: "off", spellcheck: "false" });
  const error = h("p", { class: "problem", role: "alert", id: "sign-in-error" }, refusal);
  const submit = (event: Event) => {
    event.preventDefault();
    const checked = UserName.safeParse(name.value.trim());
    if (!checked.success) {
      error.textContent = checked.error.issues[0]?.message ?? "that name cannot be used";
      name.setAttribute("aria-invalid", "true");
      name.focus();
      return;
    }
    onSignIn({ name: checked.data, token: token.value.trim() === "" ? undefined : token.value.trim() });
  };
  const form = h(
    "form",
    { class: "sign-in", onsubmit: submit, "aria-labelledby": "sign-in-title", "aria-describedby": "sign-in-error" },
    h("h1", { id: "sign-in-title" }, "Chat"),
    h("label", { for: "sign-in-name" }, "Name"),
    name,
    h("label", { for: "sign-in-token" }, "Token"),
    token,
    h("p", { class: "hint" }, "Only if the server requires one: ask its operator (chat-server token <name>)."),
    error,
    h("button", { type: "submit" }, "Join"),
  );
  queueMicrotask(() => name.focus());
  return h("main", { class: "sign-in-page" }, form);
}
