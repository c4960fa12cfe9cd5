import { GraphQLClientError, LinearSdk, parseLinearError, type LinearRequest } from "@linear/sdk";
import { retryingFetch } from "../../src/retry.ts";
import { installationToken } from "../../src/installations/store.ts";
import { InstallationUnavailable } from "../../src/installations/types.ts";
import { refreshEndpoint, type LinearConfig } from "./config.ts";

export interface LinearApi {
  /** @linear/sdk's client: its generated documents and models, over our transport. */
  readonly sdk: LinearSdk;
  /** The transport itself, for the SDK's fetchable query classes (`new Team_LabelsQuery(request, id)`). */
  readonly request: LinearRequest;
}

const clients = new Map<string, LinearApi>();

/**
 * One client per credential (or organization) and endpoint per isolate. The SDK's own
 * LinearClient always calls the global fetch, so Switchboard gives LinearSdk a request function of
 * its own: the same documents and the SDK's typed errors, sent through the outbox's retrying
 * fetch. Linear reports a rate limit as a GraphQL `RATELIMITED` error (HTTP 400, or 429); it is
 * turned into a 429 here so the shared retry waits and tries again, and a rate limit that
 * outlasts the retries surfaces as a LinearError with status 429, which the harness treats as
 * transient (the turn is retried).
 *
 * With installs set up, an organization that installed the app is answered with its own token,
 * renewed by its installation before it expires; one Linear still refuses (it expired during the
 * turn) is renewed once and the call sent again.
 */
export function linearApi(config: LinearConfig, organizationId?: string): LinearApi {
  const perOrganization = config.install !== undefined && organizationId !== undefined;
  const key = perOrganization ? `${config.apiUrl} org:${organizationId}` : `${config.apiUrl} ${config.authorization}`;
  let api = clients.get(key);
  if (api) return api;
  const send = retryingFetch(undefined, rateLimitAsStatus);
  const credential = perOrganization ? (stale?: string) => organizationAuthorization(config, organizationId, stale) : async () => config.authorization;
  const request: LinearRequest = async <Response, Variables extends Record<string, unknown>>(query: string, variables?: Variables) => {
    const post = (authorization: string | undefined) =>
      send(config.apiUrl, {
        method: "POST",
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}), "user-agent": "switchboard" },
        body: JSON.stringify({ query, variables }),
      });
    let authorization = await credential();
    let response = await post(authorization);
    let text = await response.text();
    if (perOrganization && authorization && refusedCredential(response, text)) {
      authorization = await credential(authorization);
      response = await post(authorization);
      text = await response.text();
    }
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

/** Linear refuses an expired or revoked token with an authentication error (HTTP 400 or 401). */
function refusedCredential(response: Response, text: string): boolean {
  return response.status === 401 || (response.status === 400 && text.includes('"AUTHENTICATION_ERROR"'));
}

/**
 * `Bearer <the organization's token>`, or the secret's credential for an organization without an
 * installation. `stale` is a header Linear just refused: its token is renewed.
 */
async function organizationAuthorization(config: LinearConfig, organizationId: string, stale?: string): Promise<string> {
  const install = config.install!;
  const token = await installationToken(install.store, organizationId, {
    refresh: refreshEndpoint(install),
    ...(stale ? { stale: stale.replace(/^Bearer /, "") } : {}),
  });
  if (token) return `Bearer ${token}`;
  if (config.authorization) return config.authorization;
  throw new InstallationUnavailable(`Linear organization ${organizationId} has not installed the app (install it through /oauth/linear/install)`);
}

const botIds = new Map<string, Promise<string>>();

/** LINEAR_BOT_USER_ID, or the secret credential's own user (`viewer`), looked up once per isolate. */
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

/**
 * The bot user id when it is known without I/O: configured, the organization's app user (from its
 * installation), or the secret credential's user once looked up.
 */
export function knownBotUserId(config: LinearConfig, organizationId?: string): string | undefined {
  return config.botUserId ?? (organizationId ? resolvedIds.get(`org:${organizationId}`) : undefined) ?? resolvedIds.get(`${config.apiUrl} ${config.authorization}`);
}

const resolvedIds = new Map<string, string>();

/**
 * Resolves and remembers the bot id so the synchronous normalizer can use it: an installed
 * organization's app user (each organization has its own), else the secret credential's user.
 */
export async function ensureBotUserId(config: LinearConfig, organizationId?: string): Promise<string | undefined> {
  if (config.botUserId) return config.botUserId;
  if (config.install && organizationId) {
    const summary = await config.install.store.summary(organizationId);
    const appUser = summary?.status === "active" ? summary.details.botUserId : undefined;
    if (typeof appUser === "string") {
      resolvedIds.set(`org:${organizationId}`, appUser);
      return appUser;
    }
  }
  if (!config.authorization) return undefined;
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
