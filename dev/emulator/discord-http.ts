// Discord's HTTP dialect: `{ message, code }` errors, `Invalid Form Body` details, rate-limit
// headers, and how injected faults look on Discord (429 with `retry_after`).
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { FaultResponse, StatusFault } from "./core.ts";

export const JSON_TYPE = "application/json";

/** Thrown by routes; rendered as Discord's JSON error. */
export class DiscordError extends Error {
  status: ContentfulStatusCode;
  body: { message: string; code: number; errors?: unknown };
  constructor(status: ContentfulStatusCode, message: string, code = 0, errors?: unknown) {
    super(message);
    this.status = status;
    this.body = { message, code, ...(errors ? { errors } : {}) };
  }
}

export const unauthorized = () => new DiscordError(401, "401: Unauthorized", 0);
export const notFound = () => new DiscordError(404, "404: Not Found", 0);
export const unknownMessage = () => new DiscordError(404, "Unknown Message", 10008);
export const unknownChannel = () => new DiscordError(404, "Unknown Channel", 10003);
/** Starting a thread from a message that already has one: Discord's 400 with code 160004. */
export const threadAlreadyCreated = () => new DiscordError(400, "A thread has already been created for this message", 160004);
/** A thread started in a channel that cannot hold one (a DM, a thread). */
export const wrongChannelType = () => new DiscordError(400, "Cannot execute action on this channel type", 50024);
export const unknownWebhook = () => new DiscordError(404, "Unknown Webhook", 10015);
export const invalidWebhookToken = () => new DiscordError(401, "Invalid Webhook Token", 50027);

/** `Invalid Form Body` (50035) with Discord's nested `_errors` for one field. */
export function invalidFormBody(field: string, code: string, message: string): DiscordError {
  return new DiscordError(400, "Invalid Form Body", 50035, { [field]: { _errors: [{ code, message }] } });
}

export function djson(c: Context, body: unknown, status: ContentfulStatusCode = 200): Response {
  return c.body(JSON.stringify(body), status, { "content-type": JSON_TYPE });
}

/** The headers every REST answer carries; the bucket is per route shape. */
export function rateLimitHeaders(route: string, now: number): Record<string, string> {
  return {
    "x-ratelimit-limit": "5",
    "x-ratelimit-remaining": "4",
    "x-ratelimit-reset": ((now + 1000) / 1000).toFixed(3),
    "x-ratelimit-reset-after": "1.000",
    "x-ratelimit-bucket": bucketOf(route),
  };
}

function bucketOf(route: string): string {
  const shape = route.replace(/\d{15,21}/g, ":id").replace(/\/webhooks\/:id\/[^/]+/, "/webhooks/:id/:token");
  let hash = 0;
  for (const char of shape) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash.toString(16).padStart(8, "0");
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** 429: `{ message, retry_after, global }` + `Retry-After` and `X-RateLimit-*`; others `{ message, code: 0 }`. */
export function renderDiscordFault(fault: StatusFault, c: Context): FaultResponse {
  if (fault.status === 429) {
    const retryAfter = fault.retryAfter ?? 1;
    return {
      status: 429,
      headers: {
        "retry-after": String(Math.ceil(retryAfter)),
        "x-ratelimit-limit": "5",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": ((Date.now() + retryAfter * 1000) / 1000).toFixed(3),
        "x-ratelimit-reset-after": retryAfter.toFixed(3),
        "x-ratelimit-bucket": bucketOf(new URL(c.req.url).pathname),
        "x-ratelimit-scope": "user",
      },
      body: fault.body ?? { message: "You are being rate limited.", retry_after: retryAfter, global: false },
    };
  }
  return {
    status: fault.status,
    headers: fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {},
    body: fault.body ?? { message: `${fault.status}: ${STATUS_TEXT[fault.status] ?? "Error"}`, code: 0 },
  };
}
