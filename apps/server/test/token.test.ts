import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { mintToken, tokenMaxLength, verifyToken, type TokenCheck } from "../src/auth/token.ts";
import { defaultTtlSeconds, runTokenCommand, TokenCommandError } from "../src/roles/mint-token.ts";

const secret = "s".repeat(32);
const otherSecret = "o".repeat(32);
/** A fixed clock: 2024-01-01T00:00:00Z, in milliseconds. */
const now = Date.UTC(2024, 0, 1);
const nowSeconds = now / 1000;

const b64 = (text: string) => Buffer.from(text).toString("base64url");
/** A token built by hand from the documented format, so that the tests do not trust `mintToken`. */
const signed = (payload: unknown, key = secret) => {
  const first = b64(typeof payload === "string" ? payload : JSON.stringify(payload));
  return `${first}.${createHmac("sha256", key).update(first).digest("base64url")}`;
};

const refusal = (check: TokenCheck) => {
  if (check.ok) throw new Error(`expected a refusal, got ${JSON.stringify(check.payload)}`);
  return { reason: check.reason, message: check.message };
};

describe("mintToken", () => {
  it("follows the format: base64url JSON { sub, exp }, a dot, base64url HMAC-SHA256 of the first part", () => {
    const token = mintToken(secret, "alice", 60, now);
    const [first, second, ...rest] = token.split(".");
    expect(rest).toEqual([]);
    expect(JSON.parse(Buffer.from(first ?? "", "base64url").toString("utf8"))).toStrictEqual({ sub: "alice", exp: nowSeconds + 60 });
    expect(second).toBe(createHmac("sha256", secret).update(first ?? "").digest("base64url"));
    expect(token).toBe(signed({ sub: "alice", exp: nowSeconds + 60 }));
  });

  it("counts the ttl from whole seconds of now", () => {
    expect(verifyToken(secret, mintToken(secret, "A", 10, now + 999), now)).toStrictEqual({
      ok: true,
      payload: { sub: "A", exp: nowSeconds + 10 },
    });
  });

  it.each([
    { sub: "a b", ttl: 60, message: /^invalid name "a b": user name may hold only/ },
    { sub: "", ttl: 60, message: /^invalid name "": user name must not be empty/ },
    { sub: "A", ttl: 0, message: "invalid ttl 0: expected a whole number of seconds, at least 1" },
    { sub: "A", ttl: 1.5, message: "invalid ttl 1.5: expected a whole number of seconds, at least 1" },
  ])("refuses to mint for $sub with ttl $ttl", ({ sub, ttl, message }) => {
    expect(() => mintToken(secret, sub, ttl, now)).toThrow(message);
  });
});

describe("verifyToken", () => {
  it("accepts a token it minted, until it expires", () => {
    const token = mintToken(secret, "C.d-e_1", 60, now);
    expect(verifyToken(secret, token, now)).toStrictEqual({ ok: true, payload: { sub: "C.d-e_1", exp: nowSeconds + 60 } });
    expect(verifyToken(secret, token, now + 59_999).ok).toBe(true);
  });

  it("refuses an expired token and says when it expired", () => {
    const token = mintToken(secret, "A", 60, now);
    const expired = { reason: "expired", message: "token expired at 2024-01-01T00:01:00.000Z" };
    expect(refusal(verifyToken(secret, token, now + 60_000))).toStrictEqual(expired);
    expect(refusal(verifyToken(secret, token, now + 86_400_000))).toStrictEqual(expired);
    expect(refusal(verifyToken(secret, signed({ sub: "A", exp: 0 }), now))).toStrictEqual({
      reason: "expired",
      message: "token expired at 1970-01-01T00:00:00.000Z",
    });
  });

  describe("a bad signature", () => {
    const token = mintToken(secret, "A", 60, now);
    const [first = "", second = ""] = token.split(".");
    const badSignature = { reason: "bad_signature", message: "bad token signature: the token was not issued with this server's secret" };

    it("signed with another secret", () => {
      expect(refusal(verifyToken(otherSecret, token, now))).toStrictEqual(badSignature);
      expect(refusal(verifyToken(secret, mintToken(otherSecret, "A", 60, now), now))).toStrictEqual(badSignature);
    });

    it("a payload changed to another user, the signature kept", () => {
      expect(refusal(verifyToken(secret, `${b64(JSON.stringify({ sub: "B", exp: nowSeconds + 60 }))}.${second}`, now))).toStrictEqual(
        badSignature,
      );
    });

    it("an expiry pushed back, the signature kept", () => {
      expect(refusal(verifyToken(secret, `${b64(JSON.stringify({ sub: "A", exp: nowSeconds + 9e6 }))}.${second}`, now))).toStrictEqual(
        badSignature,
      );
    });

    it("a signature changed in one character, shortened or lengthened", () => {
      const flipped = `${second.slice(0, 5)}${second[5] === "A" ? "B" : "A"}${second.slice(6)}`;
      expect(refusal(verifyToken(secret, `${first}.${flipped}`, now))).toStrictEqual(badSignature);
      expect(refusal(verifyToken(secret, `${first}.${second.slice(0, -2)}`, now))).toStrictEqual(badSignature);
      expect(refusal(verifyToken(secret, `${first}.${second}AAAA`, now))).toStrictEqual(badSignature);
    });
  });

  it.each([
    { what: "an empty string", token: "", detail: 'expected two base64url parts joined by "."' },
    { what: "one part", token: "abc", detail: 'expected two base64url parts joined by "."' },
    { what: "three parts (a JWT)", token: "a.b.c", detail: 'expected two base64url parts joined by "."' },
    { what: "an empty signature", token: "abc.", detail: "a part is not base64url" },
    { what: "an empty payload", token: ".abc", detail: "a part is not base64url" },
    { what: "standard base64 characters", token: "ab+/.abc=", detail: "a part is not base64url" },
    { what: "spaces", token: "abc .abc", detail: "a part is not base64url" },
    { what: "a token over the length limit", token: `${"a".repeat(tokenMaxLength)}.abc`, detail: `longer than ${tokenMaxLength} characters` },
  ])("refuses $what as malformed", ({ token, detail }) => {
    expect(refusal(verifyToken(secret, token, now))).toStrictEqual({ reason: "malformed", message: `malformed token: ${detail}` });
  });

  it.each([
    { what: "a payload that is not JSON", payload: "not json", detail: "the payload is not JSON" },
    { what: "no exp", payload: { sub: "A" }, detail: "the payload is not { sub: <name>, exp: <unix seconds> }" },
    { what: "no sub", payload: { exp: nowSeconds + 60 }, detail: "the payload is not { sub: <name>, exp: <unix seconds> }" },
    { what: "exp as a string", payload: { sub: "A", exp: String(nowSeconds + 60) }, detail: "the payload is not { sub: <name>, exp: <unix seconds> }" },
    { what: "exp in milliseconds with a fraction", payload: { sub: "A", exp: nowSeconds + 0.5 }, detail: "the payload is not { sub: <name>, exp: <unix seconds> }" },
    { what: "an extra key", payload: { sub: "A", exp: nowSeconds + 60, admin: true }, detail: "the payload is not { sub: <name>, exp: <unix seconds> }" },
    { what: "an array", payload: ["A", nowSeconds + 60], detail: "the payload is not { sub: <name>, exp: <unix seconds> }" },
  ])("refuses a correctly signed token with $what as malformed", ({ payload, detail }) => {
    expect(refusal(verifyToken(secret, signed(payload), now))).toStrictEqual({ reason: "malformed", message: `malformed token: ${detail}` });
  });

  it.each([
    { sub: "a b", says: 'user name may hold only letters, digits, "_", "-" and ".", and must start with a letter or digit' },
    { sub: "", says: "user name must not be empty" },
    { sub: "n".repeat(33), says: "user name must be at most 32 characters" },
  ])("refuses a correctly signed token for the invalid name $sub", ({ sub, says }) => {
    expect(refusal(verifyToken(secret, signed({ sub, exp: nowSeconds + 60 }), now))).toStrictEqual({
      reason: "invalid_name",
      message: `invalid name in token ${JSON.stringify(sub)}: ${says}`,
    });
  });

  it("checks the signature before anything in the payload", () => {
    // Expired, with an invalid name, and signed with another secret: the signature is what is reported.
    expect(refusal(verifyToken(secret, signed({ sub: "a b", exp: 0 }, otherSecret), now)).reason).toBe("bad_signature");
    expect(refusal(verifyToken(secret, signed("not json", otherSecret), now)).reason).toBe("bad_signature");
  });

  it("gives every reason its own message", () => {
    const messages = [
      verifyToken(secret, "nonsense", now),
      verifyToken(otherSecret, mintToken(secret, "A", 60, now), now),
      verifyToken(secret, mintToken(secret, "A", 60, now - 120_000), now),
      verifyToken(secret, signed({ sub: "a b", exp: nowSeconds + 60 }), now),
    ].map((check) => refusal(check));
    expect(messages.map((entry) => entry.reason)).toEqual(["malformed", "bad_signature", "expired", "invalid_name"]);
    expect(messages.map((entry) => entry.message.split(":")[0])).toEqual([
      "malformed token",
      "bad token signature",
      "token expired at 2023-12-31T23",
      'invalid name in token "a b"',
    ]);
  });
});

describe("chat-server token <name>", () => {
  const env = { AUTH_SECRET: secret };

  it("mints a token for the name, good for a day by default", () => {
    const command = runTokenCommand(["alice"], env, now);
    if (command.help) throw new Error("expected a token");
    expect(command).toMatchObject({ sub: "alice", exp: nowSeconds + defaultTtlSeconds });
    expect(defaultTtlSeconds).toBe(86_400);
    expect(verifyToken(secret, command.token, now)).toStrictEqual({ ok: true, payload: { sub: "alice", exp: nowSeconds + 86_400 } });
  });

  it("takes --ttl, and --auth-secret over AUTH_SECRET", () => {
    const command = runTokenCommand(["bob", "--ttl", "5", "--auth-secret", otherSecret], env, now);
    if (command.help) throw new Error("expected a token");
    expect(verifyToken(otherSecret, command.token, now)).toStrictEqual({ ok: true, payload: { sub: "bob", exp: nowSeconds + 5 } });
    expect(verifyToken(secret, command.token, now).ok).toBe(false);
  });

  it("--help", () => {
    expect(runTokenCommand(["--help"], {}, now)).toEqual({ help: true });
  });

  it.each([
    { args: [], env, message: /^a name is required\n\nUsage: chat-server token <name>/ },
    { args: ["a", "b"], env, message: /^unexpected argument "b"/ },
    { args: ["a", "--colour"], env, message: /^Unknown option '--colour'/ },
    { args: ["a b"], env, message: /^invalid name "a b": user name may hold only/ },
    { args: ["a", "--ttl", "0"], env, message: 'invalid --ttl "0": expected a whole number of seconds, at least 1' },
    { args: ["a", "--ttl=-5"], env, message: 'invalid --ttl "-5": expected a whole number of seconds, at least 1' },
    { args: ["a", "--ttl", "1h"], env, message: 'invalid --ttl "1h": expected a whole number of seconds, at least 1' },
    { args: ["a"], env: {}, message: "AUTH_SECRET (--auth-secret) is required: the secret the server signs with" },
    { args: ["a"], env: { AUTH_SECRET: "short" }, message: "AUTH_SECRET (--auth-secret): expected at least 32 characters, got 5" },
  ])("refuses $args with $env", ({ args, env: environment, message }) => {
    let thrown: unknown;
    try {
      runTokenCommand(args, environment, now);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TokenCommandError);
    const text = (thrown as Error).message;
    if (typeof message === "string") expect(text).toBe(message);
    else expect(text).toMatch(message);
  });
});
