import { describe, expect, it } from "vitest";
import { retryAt, retryDelay, retryingFetch, transientFailure, type RetryPolicy } from "../src/retry.ts";

const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxInlineDelayMs: 5_000 };

function response(status: number, headers: Record<string, string> = {}) {
  return new Response("{}", { status, headers });
}

describe("outbound retries", () => {
  it("waits what Retry-After asks on 429 and on GitHub's 403 rate limits", () => {
    expect(retryDelay(response(429, { "retry-after": "3" }), "POST", policy, 1)).toBe(3000);
    expect(retryDelay(response(403, { "retry-after": "2" }), "POST", policy, 1)).toBe(2000);
    const reset = Math.floor(Date.now() / 1000) + 4;
    const wait = retryDelay(response(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) }), "GET", policy, 1);
    expect(wait).toBeGreaterThan(2000);
    expect(wait).toBeLessThanOrEqual(4000);
  });

  it("retries 5xx only for idempotent methods; a POST that may have landed is left to the journal", () => {
    expect(retryDelay(response(502), "GET", policy, 1)).toBeGreaterThan(0);
    expect(retryDelay(response(502), "POST", policy, 1)).toBeNull();
    expect(retryDelay(response(403), "POST", policy, 1)).toBeNull();
    expect(retryDelay(response(404), "GET", policy, 1)).toBeNull();
    expect(retryDelay(response(422), "POST", policy, 1)).toBeNull();
  });

  it("retries in place up to maxAttempts, then hands back the last response", async () => {
    const waits: number[] = [];
    let calls = 0;
    const fetcher = retryingFetch({ ...policy, sleep: async (ms) => void waits.push(ms) }, async () => {
      calls++;
      return response(429, { "retry-after": "1" });
    });
    const last = await fetcher("https://api.test/x", { method: "POST" });
    expect(last.status).toBe(429);
    expect(calls).toBe(4);
    expect(waits).toEqual([1000, 1000, 1000]);
  });

  it("does not sleep for waits longer than the policy allows; the turn retries later", async () => {
    let calls = 0;
    const fetcher = retryingFetch({ ...policy, sleep: async () => {} }, async () => {
      calls++;
      return response(429, { "retry-after": "3600" });
    });
    expect((await fetcher("https://api.test/x")).status).toBe(429);
    expect(calls).toBe(1);
  });

  it("classifies errors worth retrying the turn for, with the wait the platform asked for", () => {
    const isTransient = (error: unknown) => transientFailure(error) !== null;
    expect(isTransient(Object.assign(new Error("x"), { status: 503 }))).toBe(true);
    expect(isTransient(Object.assign(new Error("x"), { status: 429 }))).toBe(true);
    expect(isTransient(Object.assign(new Error("x"), { status: 403, response: { headers: { "retry-after": "5" } } }))).toBe(true);
    expect(isTransient(Object.assign(new Error("x"), { status: 403, response: { headers: {} } }))).toBe(false);
    expect(isTransient(Object.assign(new Error("x"), { status: 404 }))).toBe(false);
    expect(isTransient(new TypeError("fetch failed"))).toBe(true);
    expect(isTransient(new Error("bug"))).toBe(false);
    // AI SDK provider errors (APICallError) carry statusCode and their own verdict.
    expect(isTransient(Object.assign(new Error("overloaded"), { statusCode: 529, isRetryable: true }))).toBe(true);
    expect(isTransient(Object.assign(new Error("bad request"), { statusCode: 400, isRetryable: false }))).toBe(false);

    // Octokit's RequestError: Retry-After of any length, or the rate limit's reset time.
    expect(transientFailure(Object.assign(new Error("x"), { status: 429, response: { headers: { "retry-after": "120" } } }))).toEqual({ retryAfterMs: 120_000 });
    const reset = Math.floor(Date.now() / 1000) + 600;
    const limited = transientFailure(Object.assign(new Error("x"), { status: 403, response: { headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) } } }));
    expect(limited?.retryAfterMs).toBeGreaterThan(590_000);
    // @discordjs/rest's RateLimitError (ms) and our own errors.
    expect(transientFailure(Object.assign(new Error("x"), { name: "RateLimitError[/channels/:id/messages]", retryAfter: 30_000 }))).toEqual({ retryAfterMs: 30_000 });
    expect(transientFailure(Object.assign(new Error("x"), { status: 429, retryAfterMs: 60_000 }))).toEqual({ retryAfterMs: 60_000 });
    expect(transientFailure(Object.assign(new Error("x"), { status: 502 }))).toEqual({});
  });

  it("schedules retried turns with backoff, never sooner than the platform asked", () => {
    expect(retryAt(0, 1)).toBe(2_000);
    expect(retryAt(0, 3)).toBe(8_000);
    expect(retryAt(0, 20)).toBe(300_000);
    expect(retryAt(0, 1, 120_000)).toBe(120_000);
    expect(retryAt(0, 8, 1_000)).toBe(256_000);
  });
});
