import { createChatClient } from "@chat/client-core";
import { chatView } from "./chat-view.ts";
import { replace } from "./dom.ts";
import { signInView, type Identity } from "./sign-in.ts";
import "./styles.css";

const root = document.getElementById("app") as HTMLElement;
const rememberedName = "chat:name";

function showSignIn(refusal?: string): void {
  replace(root, [signInView(signIn, localStorage.getItem(rememberedName) ?? "", refusal)]);
}

function signIn({ name, token }: Identity): void {
  localStorage.setItem(rememberedName, name);
  // The page's own origin: the server that served the app (or Vite's dev server, which passes /socket.io on).
  const client = createChatClient({ name, ...(token === undefined ? {} : { token }) });
  const stopRefusal = client.on("connection", (state) => {
    if (state.status !== "refused") return;
    stopRefusal();
    client.close();
    showSignIn(`Refused: ${state.reason}`);
  });
  replace(root, [
    chatView(client, () => {
      client.close();
      showSignIn();
    }),
  ]);
}

showSignIn();
