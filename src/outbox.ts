/**
 * Outbound calls to platforms. Rate limits (429, GitHub's 403 with Retry-After) never applied
 * anything, so they are retried here after the wait the platform asks for. A 5xx or a dropped
 * connection is retried here only for idempotent methods: a POST that failed that way may have
 * landed, so it surfaces as a transient error, the turn is retried, and the journal replays
 * the step with `replay: true` so the channel looks for its marker before posting again.
 */

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  /** Longest wait honoured in-line; a longer Retry-After fails the call as transient. */
  readonly maxDelayMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 20_000 };

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
        await sleep(backoff(policy, attempt));
        continue;
      }
      const wait = retryDelay(response, method, policy, attempt);
      if (wait === null || last || wait > policy.maxDelayMs) return response;
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
  if (rateLimited) return asked ?? rateLimitResetMs(response.headers) ?? backoff(policy, attempt);
  if (response.status >= 500 && IDEMPOTENT.has(method)) return asked ?? backoff(policy, attempt);
  return null;
}

function retryAfterMs(headers: Headers): number | null {
  const value = headers.get("retry-after");
  if (value === null) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function rateLimitResetMs(headers: Headers): number | null {
  const reset = Number(headers.get("x-ratelimit-reset"));
  return reset > 0 ? Math.max(0, reset * 1000 - Date.now()) : null;
}

function backoff(policy: RetryPolicy, attempt: number): number {
  const exponential = policy.baseDelayMs * 2 ** (attempt - 1);
  return Math.min(policy.maxDelayMs, exponential / 2 + Math.random() * (exponential / 2));
}

/** Errors worth retrying the turn for: rate limits, server errors, network failures. */
export function isTransient(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  // AI SDK provider errors say so themselves, and carry `statusCode` rather than `status`.
  const retryable = (error as { isRetryable?: unknown }).isRetryable;
  if (typeof retryable === "boolean") return retryable;
  const status = (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
  if (typeof status === "number") return status === 429 || status >= 500 || isRateLimit403(error, status);
  const name = (error as { name?: unknown }).name;
  return error instanceof TypeError || name === "TimeoutError";
}

function isRateLimit403(error: object, status: number): boolean {
  if (status !== 403) return false;
  const headers = (error as { response?: { headers?: Record<string, string | undefined> } }).response?.headers;
  return headers?.["retry-after"] !== undefined || headers?.["x-ratelimit-remaining"] === "0";
}
