import { describe, expect, it } from "vitest";
import { compareMessageIds } from "../src/index.ts";

describe("compareMessageIds", () => {
  it("orders by milliseconds as numbers, not as strings", () => {
    expect("9-0" > "10-0").toBe(true);
    expect(compareMessageIds("9-0", "10-0")).toBeLessThan(0);
    expect(compareMessageIds("10-0", "9-0")).toBeGreaterThan(0);
    expect(compareMessageIds("999999999999-5", "1700000000000-0")).toBeLessThan(0);
  });

  it("orders the same millisecond by sequence, as numbers", () => {
    expect(compareMessageIds("1700000000000-2", "1700000000000-10")).toBeLessThan(0);
    expect(compareMessageIds("1700000000000-10", "1700000000000-2")).toBeGreaterThan(0);
  });

  it("puts a later millisecond after any sequence of an earlier one", () => {
    expect(compareMessageIds("1700000000000-99", "1700000000001-0")).toBeLessThan(0);
  });

  it("finds an id equal to itself", () => {
    expect(compareMessageIds("1700000000000-3", "1700000000000-3")).toBe(0);
    expect(compareMessageIds("0-0", "0-0")).toBe(0);
  });

  it("sorts a list of ids as the server stores them", () => {
    const ids = ["10-0", "9-1", "1700000000000-0", "9-0", "10-2", "10-10", "2-0"];
    expect([...ids].sort(compareMessageIds)).toStrictEqual(["2-0", "9-0", "9-1", "10-0", "10-2", "10-10", "1700000000000-0"]);
  });
});
