/** A fresh id for one outgoing message, kept across its retries: 16 random bytes, URL-safe. */
export const newClientId = (): string => {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
};
