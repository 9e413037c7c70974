import { UserName } from "@chat/protocol";

/**
 * The user name a token was issued to, read from the server's documented token format
 * (`<base64url of {"sub": name, "exp": …}>.<signature>`) when a client connects with a token
 * and no name. Only a hint for showing the user's own lines before the server has shown one
 * of them: the server decides the identity, and a token of another format gives undefined.
 */
export function nameInToken(token: string): UserName | undefined {
  const payload = token.split(".")[0] ?? "";
  try {
    const json: unknown = JSON.parse(atob(payload.replaceAll("-", "+").replaceAll("_", "/")));
    const sub = typeof json === "object" && json !== null && "sub" in json ? json.sub : undefined;
    const name = UserName.safeParse(sub);
    return name.success ? name.data : undefined;
  } catch {
    return undefined;
  }
}
