/**
 * A fresh id for one outgoing message, kept across its retries so that the server stores it
 * at most once: 16 random bytes, base64url. Web Crypto only: the same in browsers, Deno and Node.
 */
export const newClientId = (): string => {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
};
