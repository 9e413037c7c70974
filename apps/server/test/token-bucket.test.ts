import { describe, expect, it } from "vitest";
import { createSendLimiter, describeRefusal, MemoryUserBuckets } from "../src/limits/send-limiter.ts";
import { Buckets, rateOf, sweepEveryMs, TokenBucket } from "../src/limits/token-bucket.ts";

/** The buckets on a clock the test moves by hand. */
const clock = () => {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
};

describe("token buckets", () => {
  it("hold three seconds' worth and refill continuously", () => {
    expect(rateOf(2)).toEqual({ perSecond: 2, capacity: 6 });
    const bucket = new TokenBucket(rateOf(2), 0);
    for (let i = 0; i < 6; i++) expect(bucket.take(0)).toEqual({ ok: true });
    expect(bucket.take(0)).toEqual({ ok: false, retryAfterMs: 500 });
    // A quarter of a second brings half a token: not enough, and the wait shrinks.
    expect(bucket.take(250)).toEqual({ ok: false, retryAfterMs: 250 });
    expect(bucket.take(500)).toEqual({ ok: true });
    expect(bucket.take(500)).toEqual({ ok: false, retryAfterMs: 500 });
    // A long pause fills it up to its capacity, no further.
    expect(bucket.isFull(60_000)).toBe(true);
    for (let i = 0; i < 6; i++) expect(bucket.take(60_000)).toEqual({ ok: true });
    expect(bucket.take(60_000).ok).toBe(false);
  });

  it("forget keys whose bucket has filled up again", () => {
    const time = clock();
    const buckets = new Buckets(rateOf(1), time.now);
    buckets.take("a");
    buckets.take("b");
    expect(buckets.size).toBe(2);
    time.advance(10_000);
    buckets.take("c");
    expect(buckets.size).toBe(1);
  });

  it("forget keys whose bucket has filled up again when swept, with no take to do it", () => {
    const time = clock();
    const buckets = new Buckets(rateOf(1), time.now);
    buckets.take("a");
    buckets.take("b");
    // Within the sweep interval nothing goes; nor does a bucket not yet full again.
    time.advance(sweepEveryMs - 1);
    buckets.sweep();
    expect(buckets.size).toBe(2);
    buckets.take("b");
    buckets.take("b");
    buckets.take("b");
    time.advance(1);
    buckets.sweep();
    expect(buckets.size).toBe(1);
    // Once "b" is full again too, the next sweep lets go of it: a quiet key keeps no bucket.
    time.advance(sweepEveryMs);
    buckets.sweep();
    expect(buckets.size).toBe(0);
    // And a key that comes back starts with a full bucket, as a new one.
    for (let i = 0; i < 3; i++) expect(buckets.take("b")).toEqual({ ok: true });
    expect(buckets.take("b").ok).toBe(false);
  });
});

describe("the send limiter", () => {
  it("refuses on the connection's bucket first, then on the user's, and gives the connection's token back when the user's refuses", async () => {
    const time = clock();
    const limiter = createSendLimiter(1, new MemoryUserBuckets(1, time.now), time.now);
    // The user's bucket (3) runs dry over two connections; each connection alone would allow 3.
    for (const socket of ["s1", "s1", "s2"]) expect(await limiter.take("U", socket)).toEqual({ allowed: true });
    const refused = await limiter.take("U", "s2");
    expect(refused).toEqual({ allowed: false, scope: "user", perSecond: 1, retryAfterMs: 1000 });
    if (refused.allowed) return;
    expect(describeRefusal(refused)).toBe(
      "too many messages: at most 1 a second for one user over all their connections; try again in 1.0 s",
    );
    // Another user is not held back.
    expect(await limiter.take("V", "s3")).toEqual({ allowed: true });

    time.advance(1000);
    // s2's refused send cost it nothing: it still has two tokens; the user one.
    expect(await limiter.take("U", "s2")).toEqual({ allowed: true });
    for (let i = 0; i < 3; i++) await limiter.take("V", "s3");
    const connection = await limiter.take("V", "s3");
    expect(connection).toMatchObject({ allowed: false, scope: "connection" });
    if (!connection.allowed) expect(describeRefusal(connection)).toMatch(/^too many messages: at most 1 a second on one connection; try again in 1\.0 s$/);
  });
});
