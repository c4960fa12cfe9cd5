import { GraphQLClientError, LinearSdk, parseLinearError, type LinearRequest } from "@linear/sdk";
import { retryingFetch } from "../../src/retry.ts";
import type { LinearConfig } from "./config.ts";

export interface LinearApi {
  /** @linear/sdk's client: its generated documents and models, over our transport. */
  readonly sdk: LinearSdk;
  /** The transport itself, for the SDK's fetchable query classes (`new Team_LabelsQuery(request, id)`). */
  readonly request: LinearRequest;
}

const clients = new Map<string, LinearApi>();

/**
 * One client per credential and endpoint per isolate. The SDK's own LinearClient always calls the
 * global fetch, so Switchboard gives LinearSdk a request function of its own: the same documents
 * and the SDK's typed errors, sent through the outbox's retrying fetch. Linear reports a rate
 * limit as a GraphQL `RATELIMITED` error (HTTP 400, or 429); it is turned into a 429 here so the
 * shared retry waits and tries again, and a rate limit that outlasts the retries surfaces as a
 * LinearError with status 429, which the harness treats as transient (the turn is retried).
 */
export function linearApi(config: LinearConfig): LinearApi {
  const key = `${config.apiUrl} ${config.authorization}`;
  let api = clients.get(key);
  if (api) return api;
  const send = retryingFetch(undefined, rateLimitAsStatus);
  const request: LinearRequest = async <Response, Variables extends Record<string, unknown>>(query: string, variables?: Variables) => {
    const response = await send(config.apiUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: config.authorization, "user-agent": "switchboard" },
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    let result: { data?: unknown; errors?: unknown[] } | string;
    try {
      result = JSON.parse(text) as { data?: unknown; errors?: unknown[] };
    } catch {
      result = text;
    }
    if (typeof result === "object" && result !== null && response.ok && !result.errors && result.data) return result.data as Response;
    throw parseLinearError(
      new GraphQLClientError(
        { ...(typeof result === "string" ? { error: result } : result), status: response.status, headers: response.headers } as never,
        { query, variables } as never,
      ),
    );
  };
  api = { sdk: new LinearSdk(request), request };
  clients.set(key, api);
  return api;
}

const botIds = new Map<string, Promise<string>>();

/** LINEAR_BOT_USER_ID, or the credential's own user (`viewer`), looked up once per isolate. */
export function resolveBotUserId(config: LinearConfig): Promise<string> {
  if (config.botUserId) return Promise.resolve(config.botUserId);
  const key = `${config.apiUrl} ${config.authorization}`;
  let id = botIds.get(key);
  if (!id) {
    id = linearApi(config).sdk.viewer.then((viewer) => viewer.id);
    // A failed lookup is not cached: the next delivery tries again.
    id.catch(() => botIds.delete(key));
    botIds.set(key, id);
  }
  return id;
}

/** The bot user id when it is known without I/O (configured, or already looked up). */
export function knownBotUserId(config: LinearConfig): string | undefined {
  return config.botUserId ?? resolvedIds.get(`${config.apiUrl} ${config.authorization}`);
}

const resolvedIds = new Map<string, string>();

/** Resolves and remembers the bot id so the synchronous normalizer can use it. */
export async function ensureBotUserId(config: LinearConfig): Promise<string> {
  const id = await resolveBotUserId(config);
  resolvedIds.set(`${config.apiUrl} ${config.authorization}`, id);
  return id;
}

/** Linear's rate-limit answer (a `RATELIMITED` GraphQL error, usually HTTP 400) as an HTTP 429 with Retry-After. */
async function rateLimitAsStatus(input: Request | string | URL, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, init);
  if (response.status !== 400 && response.status !== 429) return response;
  const text = await response.text();
  const rateLimited = response.status === 429 || text.includes('"RATELIMITED"');
  const headers = new Headers(response.headers);
  if (rateLimited && !headers.has("retry-after")) {
    const reset = Number(headers.get("x-ratelimit-requests-reset"));
    if (reset > 0) headers.set("retry-after", String(Math.max(0, Math.ceil((reset - Date.now()) / 1000))));
  }
  return new Response(text, { status: rateLimited ? 429 : response.status, statusText: response.statusText, headers });
}
