/**
 * When to try an outbound call again. Two levels, so that no long wait holds the isolate:
 *
 * - In place, only for short waits: a rate limit that asks for at most `maxInlineDelayMs`, or a
 *   5xx / dropped connection on an idempotent method (a POST that failed that way may have
 *   landed, so it is never repeated blindly).
 * - Everything longer fails the call as transient. The conversation runtime then records the
 *   failure and schedules the turn again with the Durable Object's alarm, at the time the
 *   platform asked for (`Retry-After` of any length, GitHub's `x-ratelimit-reset`) or with
 *   exponential backoff, until the agent's retry window closes. The journal replays the finished
 *   steps with `replay: true`, so a channel looks for its platform-side marker before posting.
 */

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  /** Longest wait honoured in place; a longer one fails the call as transient. */
  readonly maxInlineDelayMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 3, baseDelayMs: 250, maxInlineDelayMs: 1_000 };

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);

type Fetch = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

export function retryingFetch(policy: RetryPolicy = defaultRetryPolicy, inner: Fetch = (i, o) => fetch(i, o)): Fetch {
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return async (input, init) => {
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= policy.maxAttempts;
      let response: Response;
      try {
        response = await inner(input instanceof Request ? input.clone() : input, init);
      } catch (error) {
        if (last || !IDEMPOTENT.has(method)) throw error;
        await sleep(backoff(policy.baseDelayMs, attempt, policy.maxInlineDelayMs));
        continue;
      }
      const wait = retryDelay(response, method, policy, attempt);
      if (wait === null || last || wait > policy.maxInlineDelayMs) return response;
      await response.body?.cancel();
      await sleep(wait);
    }
  };
}

/** Milliseconds to wait before retrying, or null when the response is final. */
export function retryDelay(response: Response, method: string, policy: RetryPolicy, attempt: number): number | null {
  const asked = retryAfterMs(response.headers);
  const rateLimited =
    response.status === 429 ||
    (response.status === 403 && (asked !== null || response.headers.get("x-ratelimit-remaining") === "0"));
  if (rateLimited) return asked ?? backoff(policy.baseDelayMs, attempt, policy.maxInlineDelayMs);
  if (response.status >= 500 && IDEMPOTENT.has(method)) return asked ?? backoff(policy.baseDelayMs, attempt, policy.maxInlineDelayMs);
  return null;
}

type HeaderSource = Headers | Readonly<Record<string, string | number | undefined>>;

/** What a platform asked us to wait: `Retry-After` (seconds or a date), else GitHub's `x-ratelimit-reset`. */
export function retryAfterMs(headers: HeaderSource, now = Date.now()): number | null {
  const get = (name: string) => header(headers, name);
  const value = get("retry-after");
  if (value !== null) {
    const seconds = Number(value);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(value);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = Number(get("x-ratelimit-reset"));
  const limited = get("x-ratelimit-remaining") === "0";
  return limited && reset > 0 ? Math.max(0, reset * 1000 - now) : null;
}

function backoff(baseMs: number, attempt: number, capMs: number): number {
  const exponential = baseMs * 2 ** (attempt - 1);
  return Math.min(capMs, exponential / 2 + Math.random() * (exponential / 2));
}

/** A failure worth retrying the turn for, and how long the platform asked to wait (if it said). */
export interface TransientFailure {
  readonly retryAfterMs?: number;
}

/**
 * Rate limits, server errors and network failures are transient; anything else (a 404, a 422,
 * a bug) is not. Reads the shapes the platform clients throw: Octokit's RequestError
 * (`status`, `response.headers`), AI SDK provider errors (`statusCode`, `isRetryable`),
 * @discordjs/rest's RateLimitError (`retryAfter` in ms), and our own errors (`status`,
 * `retryAfterMs`).
 */
export function transientFailure(error: unknown): TransientFailure | null {
  if (typeof error !== "object" || error === null) return null;
  const fields = error as {
    isRetryable?: unknown;
    status?: unknown;
    statusCode?: unknown;
    retryAfterMs?: unknown;
    retryAfter?: unknown;
    name?: unknown;
    response?: { headers?: HeaderSource };
    headers?: HeaderSource;
  };
  const headers = fields.response?.headers ?? fields.headers;
  // @discordjs/rest names it `RateLimitError[<route>]`.
  const discordRateLimit = typeof fields.name === "string" && fields.name.startsWith("RateLimitError");
  const asked =
    typeof fields.retryAfterMs === "number"
      ? fields.retryAfterMs
      : discordRateLimit && typeof fields.retryAfter === "number"
        ? fields.retryAfter
        : headers
          ? retryAfterMs(headers)
          : null;
  const wait = asked === null ? {} : { retryAfterMs: asked };
  if (discordRateLimit) return wait;
  // AI SDK provider errors say so themselves, and carry `statusCode` rather than `status`.
  if (typeof fields.isRetryable === "boolean") return fields.isRetryable ? wait : null;
  const status = typeof fields.status === "number" ? fields.status : fields.statusCode;
  if (typeof status === "number") {
    const rateLimited = status === 429 || (status === 403 && headers !== undefined && (asked !== null || header(headers, "x-ratelimit-remaining") === "0"));
    return rateLimited || status >= 500 ? wait : null;
  }
  return error instanceof TypeError || fields.name === "TimeoutError" ? wait : null;
}

function header(headers: HeaderSource, name: string): string | null {
  const value = headers instanceof Headers ? headers.get(name) : headers[name];
  return value === undefined || value === null ? null : String(value);
}

/** Exponential backoff for retried turns: 2 s, 4 s, 8 s … capped at 5 minutes. */
export const TURN_BACKOFF = { firstMs: 2_000, capMs: 5 * 60_000 } as const;

/** When a turn that failed transiently for the `failures`-th time runs again. */
export function retryAt(now: number, failures: number, retryAfter?: number): number {
  const backoffMs = Math.min(TURN_BACKOFF.capMs, TURN_BACKOFF.firstMs * 2 ** (failures - 1));
  return now + Math.max(backoffMs, retryAfter ?? 0);
}
