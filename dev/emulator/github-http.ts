// GitHub's HTTP dialect: JSON responses, error bodies, rate-limit headers, request ids,
// Link-header pagination, and how injected faults look on GitHub.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Core, FaultResponse, StatusFault } from "./core.ts";

export const DOCS = "https://docs.github.com/rest";
export const JSON_TYPE = "application/json; charset=utf-8";
const RATE_LIMIT_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api";
const SECONDARY_DOCS =
  "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits";

export interface GitHubErrorBody {
  message: string;
  documentation_url: string;
  status: string;
  errors?: unknown[];
}

/** Thrown by routes; rendered by the router's error handler as GitHub's JSON error. */
export class GitHubError extends Error {
  status: ContentfulStatusCode;
  body: GitHubErrorBody;
  constructor(status: ContentfulStatusCode, message: string, extra: { documentation_url?: string; errors?: unknown[] } = {}) {
    super(message);
    this.status = status;
    this.body = {
      message,
      documentation_url: extra.documentation_url ?? DOCS,
      status: String(status),
      ...(extra.errors ? { errors: extra.errors } : {}),
    };
  }
}

export const notFound = () => new GitHubError(404, "Not Found");

export function validationFailed(documentationUrl: string, errors: unknown[]): GitHubError {
  return new GitHubError(422, "Validation Failed", { documentation_url: documentationUrl, errors });
}

export function ghJson(c: Context, body: unknown, status: ContentfulStatusCode = 200): Response {
  return c.body(JSON.stringify(body), status, { "content-type": JSON_TYPE });
}

/** `C0A4:2B1F3:1E3C1A7:1F3D2B8:6741A2B3`-style request ids. */
export function requestId(core: Core): string {
  const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, "0");
  const n = core.nextId("github.request", 0x1a2b3c0);
  const rand = (max: number) => Math.floor(Math.random() * max);
  return `${hex(rand(0xffff), 4)}:${hex(rand(0xfffff), 5)}:${hex(n, 7)}:${hex(n + rand(0xffff), 7)}:${hex(
    Math.floor(core.now().getTime() / 1000),
    8,
  )}`;
}

export interface RateLimitState {
  limit: number;
  remaining: number;
  used: number;
  /** Epoch seconds at which the window resets. */
  reset: number;
}

/** Primary rate limit bookkeeping per credential, one-hour windows like GitHub's `core` resource. */
export function createRateLimiter(core: Core) {
  const windows = new Map<string, { reset: number; used: number; limit: number }>();
  return {
    consume(key: string, limit: number): RateLimitState {
      const nowS = Math.floor(core.now().getTime() / 1000);
      let w = windows.get(key);
      if (!w || w.reset <= nowS) {
        w = { reset: nowS + 3600, used: 0, limit };
        windows.set(key, w);
      }
      w.used += 1;
      return { limit, used: w.used, remaining: Math.max(0, limit - w.used), reset: w.reset };
    },
    reset() {
      windows.clear();
    },
  };
}

export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  return {
    "x-ratelimit-limit": String(state.limit),
    "x-ratelimit-remaining": String(state.remaining),
    "x-ratelimit-reset": String(state.reset),
    "x-ratelimit-used": String(state.used),
    "x-ratelimit-resource": "core",
  };
}

const STATUS_MESSAGES: Record<number, string> = {
  400: "Bad Request",
  401: "Bad credentials",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  410: "Gone",
  422: "Validation Failed",
  500: "Server Error",
  502: "Server Error",
  503: "Service Unavailable",
  504: "We couldn't respond to your request in time. Sorry about that. Please try resubmitting your request and contact us if the problem persists.",
};

/** Renders an injected status fault the way github.com answers it. */
export function renderGitHubFault(core: Core, fault: StatusFault, c: Context): FaultResponse {
  const id = requestId(core);
  const nowS = Math.floor(core.now().getTime() / 1000);
  const headers: Record<string, string> = {
    "x-github-request-id": id,
    "x-github-media-type": "github.v3; format=json",
  };
  const primary = fault.status === 429 || (fault.status === 403 && !fault.secondaryRateLimit && fault.retryAfter !== undefined);
  const secondary = fault.status === 403 && fault.secondaryRateLimit === true;
  let body: GitHubErrorBody;
  if (secondary) {
    headers["retry-after"] = String(fault.retryAfter ?? 60);
    body = {
      message: `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${id}.`,
      documentation_url: SECONDARY_DOCS,
      status: "403",
    };
  } else if (primary) {
    const retryAfter = fault.retryAfter ?? 60;
    headers["retry-after"] = String(retryAfter);
    Object.assign(headers, rateLimitHeaders({ limit: 5000, remaining: 0, used: 5000, reset: nowS + retryAfter }));
    const who = /^bearer\s/i.test(c.req.header("authorization") ?? "") ? "installation" : "user";
    body = {
      message: `API rate limit exceeded for ${who} ID 1. If you reach out to GitHub Support for help, please include the request ID ${id} and timestamp ${new Date(nowS * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC")}.`,
      documentation_url: RATE_LIMIT_DOCS,
      status: String(fault.status),
    };
  } else {
    if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
    body = { message: STATUS_MESSAGES[fault.status] ?? "Error", documentation_url: DOCS, status: String(fault.status) };
  }
  return { status: fault.status, headers, body: fault.body ?? body };
}

/** Parses `per_page` (default 30, max 100) and `page` (default 1) like GitHub. */
export function pageParams(c: Context): { perPage: number; page: number } {
  const perPageRaw = Number.parseInt(c.req.query("per_page") ?? "", 10);
  const pageRaw = Number.parseInt(c.req.query("page") ?? "", 10);
  const perPage = Number.isFinite(perPageRaw) && perPageRaw > 0 ? Math.min(perPageRaw, 100) : 30;
  const page = Number.isFinite(pageRaw) && pageRaw > 0 ? pageRaw : 1;
  return { perPage, page };
}

/** Slices `items` for the requested page and sets GitHub's `Link` header (next/last/first/prev). */
export function paginate<T>(c: Context, items: readonly T[]): T[] {
  const { perPage, page } = pageParams(c);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (p: number, rel: string) => {
    const url = new URL(c.req.url);
    url.searchParams.set("per_page", String(perPage));
    url.searchParams.set("page", String(p));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, "prev"));
  if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
  if (page > 1) links.push(link(1, "first"));
  if (links.length > 0) c.header("link", links.join(", "));
  return items.slice((page - 1) * perPage, page * perPage);
}
