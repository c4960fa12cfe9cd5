// Core of the platform emulator, shared by every platform router:
// the call recorder (with subscribers), the fault injector, id and timestamp
// generation, and the Hono middleware that ties them to a platform's routes.
import type { Context, Hono, MiddlewareHandler } from "hono";

export type Platform = "github" | "slack" | "linear" | "discord";
export const PLATFORMS: readonly Platform[] = ["github", "slack", "linear", "discord"];

export interface RecordedCall {
  seq: number;
  /** ISO timestamp of when the request arrived. */
  at: string;
  platform: Platform;
  method: string;
  /** Path without the platform prefix, with the query string. */
  path: string;
  /** Request headers, secrets redacted (`authorization: "token ***"`). */
  headers: Record<string, string>;
  /** Parsed JSON, or text, or null when the request had no body. Secret-looking keys redacted. */
  body: unknown;
  status: number;
  /** Parsed JSON, or text, or null. Secret-looking keys (e.g. `token`) redacted. */
  response: unknown;
  /** Id of the fault rule that shaped this response, if any. */
  faultId?: string;
  durationMs: number;
}

interface FaultMatch {
  platform: Platform;
  /** HTTP method, case-insensitive; any method when absent. */
  method?: string;
  /** Regex source, tested against the path (without platform prefix, with query). */
  pathPattern?: string;
  /** How many matching requests the rule affects. Default 1. */
  times?: number;
}

/** Answer matching requests with `status` instead of running the route. No side effect happens. */
export interface StatusFault extends FaultMatch {
  kind: "status";
  status: number;
  /** Seconds; sets `Retry-After` and shapes the platform's rate-limit body. */
  retryAfter?: number;
  /** Overrides the platform's default body for this status. */
  body?: unknown;
  /** GitHub: with status 403, answer GitHub's secondary-rate-limit response. */
  secondaryRateLimit?: boolean;
}

/**
 * Hold matching requests `delayMs` before answering. With `then: "proceed"` (default) the request is
 * then handled normally — its side effect happens even if the client gave up (a client-side timeout
 * shorter than `delayMs` sees a timeout, yet the comment was posted, as on a slow real API).
 * With `then: "gateway-timeout"` the route never runs and the answer is 504.
 */
export interface TimeoutFault extends FaultMatch {
  kind: "timeout";
  delayMs: number;
  then?: "proceed" | "gateway-timeout";
}

export type FaultRule = StatusFault | TimeoutFault;
export type ActiveFault = FaultRule & { id: string; remaining: number; hits: number };

export interface FaultResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** How a platform renders an injected status fault (and a gateway timeout) in its own dialect. */
export type FaultRenderer = (fault: StatusFault, c: Context) => FaultResponse;

/** One emulated platform, as composed by app.ts. */
export interface PlatformModule {
  platform: Platform;
  /** Mounts the API under `/<platform>` (behind the recorder) and control routes under `/_emulator/<platform>`. */
  mount(app: Hono): void;
  /** State for a playground to render; `origin` is the emulator's origin, for `url` fields. */
  snapshot(origin: string): unknown;
  /** Forgets all in-memory state (issued credentials may survive; see the platform's docs). */
  reset(): void;
}

export type CallListener = (call: RecordedCall) => void;

export interface CoreOptions {
  /** Clock used for timestamps, token expiry and JWT checks. Default: real time. */
  now?: () => Date;
}

export interface Core {
  now(): Date;
  /** Next id in a namespace, starting at `base + 1`. Monotonic for the emulator's lifetime (not reset). */
  nextId(namespace: string, base: number): number;
  calls(filter?: { platform?: Platform; sinceSeq?: number }): RecordedCall[];
  subscribe(listener: CallListener): () => void;
  addFault(rule: FaultRule): ActiveFault;
  faults(): ActiveFault[];
  removeFault(id: string): boolean;
  clearFaults(): void;
  /** Takes (consumes one use of) the first rule matching this request, if any. */
  takeFault(platform: Platform, method: string, path: string): ActiveFault | undefined;
  record(call: Omit<RecordedCall, "seq" | "at"> & { at?: string }): RecordedCall;
  /** Clears calls and faults. Ids keep counting so ids never repeat within one emulator. */
  reset(): void;
}

/** GitHub-style timestamp: ISO 8601 without milliseconds, `2026-11-22T03:00:00Z`. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function createCore(options: CoreOptions = {}): Core {
  const now = options.now ?? (() => new Date());
  const counters = new Map<string, number>();
  let calls: RecordedCall[] = [];
  let faults: ActiveFault[] = [];
  let seq = 0;
  let faultSeq = 0;
  const listeners = new Set<CallListener>();

  return {
    now,
    nextId(namespace, base) {
      const next = (counters.get(namespace) ?? base) + 1;
      counters.set(namespace, next);
      return next;
    },
    calls(filter = {}) {
      return calls.filter(
        (c) =>
          (filter.platform === undefined || c.platform === filter.platform) &&
          (filter.sinceSeq === undefined || c.seq > filter.sinceSeq),
      );
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    addFault(rule) {
      const active: ActiveFault = { ...rule, id: `fault_${++faultSeq}`, remaining: rule.times ?? 1, hits: 0 };
      faults.push(active);
      return active;
    },
    faults: () => faults.map((f) => ({ ...f })),
    removeFault(id) {
      const before = faults.length;
      faults = faults.filter((f) => f.id !== id);
      return faults.length !== before;
    },
    clearFaults() {
      faults = [];
    },
    takeFault(platform, method, path) {
      const rule = faults.find(
        (f) =>
          f.remaining > 0 &&
          f.platform === platform &&
          (f.method === undefined || f.method.toUpperCase() === method.toUpperCase()) &&
          (f.pathPattern === undefined || new RegExp(f.pathPattern).test(path)),
      );
      if (!rule) return undefined;
      rule.remaining -= 1;
      rule.hits += 1;
      if (rule.remaining === 0) faults = faults.filter((f) => f !== rule);
      return { ...rule };
    },
    record(input) {
      const call: RecordedCall = { seq: ++seq, ...input, at: input.at ?? isoSeconds(now()) };
      calls.push(call);
      for (const listener of listeners) {
        try {
          listener(call);
        } catch {
          // A broken subscriber must not break the emulated API.
        }
      }
      return call;
    },
    reset() {
      calls = [];
      faults = [];
    },
  };
}

// ---- Redaction -------------------------------------------------------------------------------

const SECRET_HEADERS = new Set(["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"]);
const SECRET_KEYS = /^(token|access_token|refresh_token|client_secret|secret|password|private_key|privatekey|pem|jwt)$/i;

/** `Bearer eyJ...` → `Bearer ***`; `token ghp_x` → `token ***`; a bare value → `***`. */
export function redactAuthorization(value: string): string {
  const space = value.indexOf(" ");
  return space > 0 ? `${value.slice(0, space)} ***` : "***";
}

export function redactHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    const key = name.toLowerCase();
    out[key] = SECRET_HEADERS.has(key) ? redactAuthorization(value) : value;
  });
  return out;
}

/** Deep-copies `value`, masking secret-looking keys; a token keeps its prefix (`ghs_***`). */
export function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (SECRET_KEYS.test(key) && typeof inner === "string") {
      const prefix = /^[a-z]{2,5}_/i.exec(inner)?.[0] ?? "";
      out[key] = `${prefix}***`;
    } else {
      out[key] = redactValue(inner);
    }
  }
  return out;
}

function parseBody(text: string, contentType: string | null): unknown {
  if (text === "") return null;
  if (contentType?.includes("json") || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  if (contentType?.includes("application/x-www-form-urlencoded")) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  return text;
}

/** Path + query as recorded: secret-looking query parameters (`?access_token=`) masked. */
function recordedPath(url: URL, prefix: string): string {
  const pathname = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname;
  if (url.search === "") return pathname;
  const params = new URLSearchParams(url.search);
  const secrets = [...params.keys()].filter((key) => SECRET_KEYS.test(key));
  if (secrets.length === 0) return pathname + url.search;
  for (const key of secrets) params.set(key, "***");
  return `${pathname}?${params.toString()}`;
}

// ---- Middleware ------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Records every request to a platform router and applies fault rules before the route runs.
 * Mount it first on the platform's sub-app; `prefix` is stripped from recorded paths.
 */
export function recorderMiddleware(
  core: Core,
  platform: Platform,
  prefix: string,
  renderFault: FaultRenderer,
): MiddlewareHandler {
  return async (c, next) => {
    const started = Date.now();
    const at = isoSeconds(core.now());
    const url = new URL(c.req.url);
    const path = recordedPath(url, prefix);
    const method = c.req.method;
    // Read (and cache in Hono) the whole body before any hold: a held request whose client has
    // gone away must still be able to land, as a slow real API's would.
    const requestText = method === "GET" || method === "HEAD" ? "" : await c.req.text();

    const fault = core.takeFault(platform, method, path);
    let answered: FaultResponse | undefined;
    if (fault?.kind === "status") {
      answered = renderFault(fault, c);
    } else if (fault?.kind === "timeout") {
      await sleep(fault.delayMs);
      if (fault.then === "gateway-timeout") answered = renderFault({ ...fault, kind: "status", status: 504 }, c);
    }

    if (answered) {
      c.res = new Response(JSON.stringify(answered.body), {
        status: answered.status,
        headers: { "content-type": "application/json; charset=utf-8", ...answered.headers },
      });
    } else {
      await next();
    }

    const responseText = await c.res.clone().text();
    core.record({
      at,
      platform,
      method,
      path,
      headers: redactHeaders(c.req.raw.headers),
      body: redactValue(parseBody(requestText, c.req.header("content-type") ?? null)),
      status: c.res.status,
      response: redactValue(parseBody(responseText, c.res.headers.get("content-type"))),
      ...(fault ? { faultId: fault.id } : {}),
      durationMs: Date.now() - started,
    });
  };
}

/** A request's JSON body (an empty body reads as `{}`); `invalid()` is the platform's own 400. */
export async function readJsonBody(c: Context, invalid: () => Error): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalid();
  }
}
