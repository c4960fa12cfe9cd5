// Slack's Web API dialect: every answer is JSON with `ok`; errors are `ok: false` + an error
// code, mostly with HTTP 200; arguments arrive form-encoded, as JSON, or in the query string.
import type { Context } from "hono";
import type { FaultResponse, StatusFault } from "./core.ts";

export type Params = Record<string, unknown>;

/** Thrown by methods; rendered as `{ ok: false, error }` (HTTP 200 unless Slack uses another). */
export class SlackError extends Error {
  readonly code: string;
  readonly status: 200 | 400 | 404 | 429;
  constructor(code: string, status: 200 | 400 | 404 | 429 = 200) {
    super(code);
    this.code = code;
    this.status = status;
  }
}

export function slackJson(c: Context, body: Params, status: 200 | 400 | 404 | 429 = 200): Response {
  return c.body(JSON.stringify(body), status, { "content-type": "application/json; charset=utf-8" });
}

/** Query string, then the body: form-encoded (what most clients send) or JSON (Bearer only, like Slack). */
export async function readParams(c: Context): Promise<{ params: Params; json: boolean }> {
  const params: Params = Object.fromEntries(new URL(c.req.url).searchParams);
  if (c.req.method !== "POST") return { params, json: false };
  const type = (c.req.header("content-type") ?? "").toLowerCase();
  const text = await c.req.text();
  if (text.trim() === "") return { params, json: false };
  if (type.includes("application/json")) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new SlackError("invalid_json");
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) throw new SlackError("invalid_json");
    return { params: { ...params, ...(body as Params) }, json: true };
  }
  if (type.includes("application/x-www-form-urlencoded") || type === "") {
    return { params: { ...params, ...Object.fromEntries(new URLSearchParams(text)) }, json: false };
  }
  throw new SlackError("invalid_form_data");
}

/** A string argument, or `invalid_arguments`/the given error when absent. */
export function required(params: Params, name: string, error = "invalid_arguments"): string {
  const value = params[name];
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number") return String(value);
  throw new SlackError(error);
}

export function optional(params: Params, name: string): string | undefined {
  const value = params[name];
  return typeof value === "string" && value !== "" ? value : typeof value === "number" ? String(value) : undefined;
}

export function flag(params: Params, name: string): boolean {
  const value = params[name];
  return value === true || value === "true" || value === "1" || value === 1;
}

/** Arguments that Slack takes as JSON strings in form posts (metadata, blocks) and as objects in JSON posts. */
export function jsonArgument(params: Params, name: string, error: string): unknown {
  const value = params[name];
  if (value === undefined || value === "") return undefined;
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new SlackError(error);
  }
}

const FAULT_ERRORS: Record<number, string> = {
  400: "invalid_request",
  401: "invalid_auth",
  403: "access_denied",
  404: "unknown_method",
  429: "ratelimited",
  500: "internal_error",
  502: "internal_error",
  503: "service_unavailable",
  504: "request_timeout",
};

/** Injected status faults as Slack answers them: 429 `ratelimited` with Retry-After, 5xx errors. */
export function renderSlackFault(fault: StatusFault): FaultResponse {
  const headers: Record<string, string> = {};
  if (fault.status === 429 || fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter ?? 30);
  const body = fault.body ?? { ok: false, error: FAULT_ERRORS[fault.status] ?? (fault.status >= 500 ? "internal_error" : "invalid_request") };
  return { status: fault.status, headers, body };
}
