// Linear's GraphQL dialect over HTTP: error bodies (`errors[].extensions.{type,code}`), the
// rate-limit answer, and a recorder that names each call by its GraphQL operation, so calls
// and fault rules can target one operation (`/graphql#createAgentActivity`).
import type { Context, MiddlewareHandler } from "hono";
import { isoSeconds, redactHeaders, redactValue, type Core, type FaultResponse, type StatusFault } from "./core.ts";

const JSON_TYPE = "application/json; charset=utf-8";

/** Linear's error kinds: `extensions.type` is what @linear/sdk maps to its error classes. */
export const ERROR_KINDS = {
  authentication: { type: "authentication error", code: "AUTHENTICATION_ERROR", statusCode: 401 },
  forbidden: { type: "forbidden", code: "FORBIDDEN", statusCode: 403 },
  invalidInput: { type: "invalid input", code: "INVALID_INPUT", statusCode: 400 },
  validation: { type: "graphql error", code: "GRAPHQL_VALIDATION_FAILED", statusCode: 400 },
  ratelimited: { type: "ratelimited", code: "RATELIMITED", statusCode: 429 },
  internal: { type: "internal error", code: "INTERNAL_SERVER_ERROR", statusCode: 500 },
} as const;

export type ErrorKind = keyof typeof ERROR_KINDS;

/** Thrown by resolvers; answered as `{ errors: [...], data: null }`. */
export class LinearGraphQLError extends Error {
  readonly kind: ErrorKind;
  readonly userMessage: string;
  readonly httpStatus: number;
  constructor(kind: ErrorKind, message: string, userMessage = message, httpStatus = 400) {
    super(message);
    this.kind = kind;
    this.userMessage = userMessage;
    this.httpStatus = httpStatus;
  }
}

export function errorBody(kind: ErrorKind, message: string, userMessage = message, path?: string[]) {
  const { type, code, statusCode } = ERROR_KINDS[kind];
  return {
    errors: [
      {
        message,
        ...(path ? { path } : {}),
        extensions: { type, code, statusCode, userError: kind !== "internal", userPresentableMessage: userMessage },
      },
    ],
    data: null,
  };
}

export function linearJson(c: Context, body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": JSON_TYPE, ...headers } });
}

/**
 * Linear answers a rate-limited request with a `RATELIMITED` GraphQL error, HTTP 400 on the
 * GraphQL endpoint (a fault with status 429 answers 429 with the same body), and
 * `X-RateLimit-Requests-*` headers; the reset header is epoch milliseconds.
 */
export function rateLimitHeaders(core: Core, retryAfterSeconds: number): Record<string, string> {
  return {
    "retry-after": String(retryAfterSeconds),
    "x-ratelimit-requests-limit": "1500",
    "x-ratelimit-requests-remaining": "0",
    "x-ratelimit-requests-reset": String(core.now().getTime() + retryAfterSeconds * 1000),
  };
}

export function renderLinearFault(core: Core, fault: StatusFault): FaultResponse {
  const rateLimited = fault.status === 429 || (fault.status === 400 && fault.retryAfter !== undefined);
  if (rateLimited) {
    const retryAfter = fault.retryAfter ?? 1;
    return {
      status: fault.status,
      headers: rateLimitHeaders(core, retryAfter),
      body: fault.body ?? errorBody("ratelimited", "Rate limit exceeded", "You have exceeded the rate limit. Please try again later."),
    };
  }
  const kind: ErrorKind = fault.status === 401 ? "authentication" : fault.status === 403 ? "forbidden" : fault.status >= 500 ? "internal" : "invalidInput";
  const message = fault.status === 504 ? "Gateway timeout" : fault.status >= 500 ? "Internal server error" : "Request failed";
  return {
    status: fault.status,
    headers: fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {},
    body: fault.body ?? errorBody(kind, message),
  };
}

/** `query issue($id: String!) { … }` → "issue"; anonymous operations → null. */
export function operationName(query: unknown): string | null {
  if (typeof query !== "string") return null;
  return /^\s*(?:query|mutation)\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(query)?.[1] ?? null;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * core.ts's recorder, with the recorded path `/graphql#<operation>` (every GraphQL call shares
 * one URL) so fault rules and call filters can pick an operation. Faults apply before auth.
 */
export function linearRecorder(core: Core, prefix: string): MiddlewareHandler {
  return async (c, next) => {
    const started = Date.now();
    const at = isoSeconds(core.now());
    const pathname = new URL(c.req.url).pathname.slice(prefix.length);
    const text = c.req.method === "POST" ? await c.req.text() : "";
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    const operation = operationName((body as { query?: unknown } | null)?.query);
    const path = operation ? `${pathname}#${operation}` : pathname;

    const fault = core.takeFault("linear", c.req.method, path);
    let answered: FaultResponse | undefined;
    if (fault?.kind === "status") answered = renderLinearFault(core, fault);
    else if (fault?.kind === "timeout") {
      await sleep(fault.delayMs);
      if (fault.then === "gateway-timeout") answered = renderLinearFault(core, { ...fault, kind: "status", status: 504 });
    }
    if (answered) c.res = linearJson(c, answered.body, answered.status, answered.headers);
    else await next();

    const responseText = await c.res.clone().text();
    let response: unknown = responseText;
    try {
      response = JSON.parse(responseText);
    } catch {
      // recorded as text
    }
    core.record({
      at,
      platform: "linear",
      method: c.req.method,
      path,
      headers: redactHeaders(c.req.raw.headers),
      // Only the variables are interesting; the SDK's documents are kilobytes of fragments.
      body: redactValue(operation ? { operationName: operation, variables: (body as { variables?: unknown }).variables ?? {} } : body),
      status: c.res.status,
      response: redactValue(response),
      ...(fault ? { faultId: fault.id } : {}),
      durationMs: Date.now() - started,
    });
  };
}
