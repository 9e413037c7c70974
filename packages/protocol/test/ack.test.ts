import { describe, expect, it } from "vitest";
import * as z from "zod";
import {
  AckFailure,
  ackOf,
  ErrorBody,
  ErrorCode,
  fail,
  issuesOf,
  MessageSend,
  MessageSent,
  ok,
  ValidationIssue,
} from "../src/index.ts";
import { rejection } from "./support.ts";

const codes = [
  "invalid_payload",
  "unknown_event",
  "unauthorized",
  "forbidden",
  "not_found",
  "rate_limited",
  "not_invited",
  "room_exists",
  "room_quota_exceeded",
  "client_id_reused",
  "unavailable",
  "internal",
];

describe("ErrorCode", () => {
  it("is the closed set of twelve codes", () => {
    expect(ErrorCode.options).toStrictEqual(codes);
  });

  it.each(["", "INTERNAL", "timeout", "ok"])("rejects %j", (code) => {
    expect(rejection(ErrorCode.safeParse(code))).toHaveLength(1);
  });
});

describe("ok and fail", () => {
  it("ok wraps data", () => {
    expect(ok({ id: "1-0", sentAt: 5 })).toStrictEqual({ ok: true, data: { id: "1-0", sentAt: 5 } });
  });

  it("fail without issues carries no issues key", () => {
    const failure = fail("forbidden", "you are not in that room");
    expect(failure).toStrictEqual({ ok: false, error: { code: "forbidden", message: "you are not in that room" } });
    expect(Object.keys(failure.error)).toStrictEqual(["code", "message"]);
  });

  it("fail with issues carries them", () => {
    const issues = [{ path: [0, "text"], message: "text must not be empty" }];
    expect(fail("invalid_payload", "bad message", issues)).toStrictEqual({
      ok: false,
      error: { code: "invalid_payload", message: "bad message", issues },
    });
  });

  it.each(codes.map((code) => ErrorCode.parse(code)))("fail(%j) is a valid AckFailure", (code) => {
    expect(AckFailure.parse(fail(code, "m"))).toStrictEqual({ ok: false, error: { code, message: "m" } });
  });
});

describe("ackOf", () => {
  const schema = ackOf(MessageSent);

  it("accepts a success", () => {
    const success = ok({ id: "1700000000000-0", sentAt: 1700000000000 });
    expect(schema.parse(success)).toStrictEqual(success);
  });

  it("accepts a failure, with and without issues", () => {
    const plain = fail("unavailable", "the store is down");
    const detailed = fail("invalid_payload", "bad", [{ path: [0, "room"], message: "room name must not be empty" }]);
    expect(schema.parse(plain)).toStrictEqual(plain);
    expect(schema.parse(detailed)).toStrictEqual(detailed);
  });

  it("rejects an unknown error code at error.code", () => {
    const issues = rejection(schema.safeParse({ ok: false, error: { code: "teapot", message: "no" } }));
    expect(issues.map((issue) => issue.path)).toStrictEqual([["error", "code"]]);
  });

  it("checks the success data against the given schema", () => {
    expect(rejection(schema.safeParse({ ok: true, data: { id: "x", sentAt: 1 } })).map((issue) => issue.path)).toStrictEqual([
      ["data", "id"],
    ]);
    expect(rejection(schema.safeParse({ ok: true })).map((issue) => issue.path)).toStrictEqual([["data"]]);
  });

  it("rejects a missing or non-boolean ok", () => {
    expect(rejection(schema.safeParse({ ok: "true", data: { id: "1-0", sentAt: 1 } })).map((issue) => issue.path)).toStrictEqual([
      ["ok"],
    ]);
    expect(rejection(schema.safeParse({ data: { id: "1-0", sentAt: 1 } })).map((issue) => issue.path)).toStrictEqual([["ok"]]);
  });

  it("rejects mixed and padded envelopes", () => {
    expect(rejection(schema.safeParse({ ok: false, data: { id: "1-0", sentAt: 1 } })).map((issue) => issue.path)).toStrictEqual([
      ["error"],
      [],
    ]);
    expect(rejection(schema.safeParse({ ...ok({ id: "1-0", sentAt: 1 }), error: null }))).toStrictEqual([
      { path: [], message: 'Unrecognized key: "error"' },
    ]);
    expect(rejection(schema.safeParse({ ok: false, error: { code: "internal", message: "x", stack: "at ..." } }))).toStrictEqual([
      { path: ["error"], message: 'Unrecognized key: "stack"' },
    ]);
  });

  it.each([{ value: null }, { value: undefined }, { value: "ok" }, { value: true }])("rejects the non-object $value", ({ value }) => {
    expect(rejection(schema.safeParse(value))).toHaveLength(1);
  });
});

describe("ErrorBody and ValidationIssue", () => {
  it("accepts string and number path segments only", () => {
    expect(ValidationIssue.parse({ path: [0, "room"], message: "m" })).toStrictEqual({ path: [0, "room"], message: "m" });
    expect(rejection(ValidationIssue.safeParse({ path: [true], message: "m" })).map((issue) => issue.path)).toStrictEqual([
      ["path", 0],
    ]);
  });

  it("requires a message", () => {
    expect(rejection(ErrorBody.safeParse({ code: "internal" })).map((issue) => issue.path)).toStrictEqual([["message"]]);
  });
});

describe("issuesOf", () => {
  it("keeps only the path and message of each zod issue", () => {
    const result = z.tuple([MessageSend]).safeParse([{ room: "no spaces", text: 5 }]);
    if (result.success) throw new Error("expected a rejection");
    expect(result.error.issues[0]).toHaveProperty("code", "invalid_format");
    expect(issuesOf(result.error)).toStrictEqual([
      {
        path: [0, "room"],
        message: 'room name may hold only letters, digits, "_", "-" and ".", and must start with a letter or digit',
      },
      { path: [0, "text"], message: "text must be a string" },
    ]);
  });

  it("produces issues the wire schema accepts, with symbol keys turned into strings", () => {
    const error = new z.ZodError([{ code: "custom", path: [Symbol("key"), 2, "x"], message: "odd", input: undefined }]);
    const issues = issuesOf(error);
    expect(issues).toStrictEqual([{ path: ["Symbol(key)", 2, "x"], message: "odd" }]);
    expect(z.array(ValidationIssue).parse(issues)).toStrictEqual(issues);
  });

  it("returns an empty list for an error without issues", () => {
    expect(issuesOf(new z.ZodError([]))).toStrictEqual([]);
  });
});
