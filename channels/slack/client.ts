import {
  SlackAPIClient,
  SlackAPIConnectionError,
  SlackAPIError,
  type RetryHandler,
  type RetryHandlerArgs,
  type RetryHandlerState,
} from "slack-web-api-client";
import { installationToken } from "../../src/installations/store.ts";
import { InstallationUnavailable } from "../../src/installations/types.ts";
import { defaultRetryPolicy, retryAfterMs, retryDelay } from "../../src/retry.ts";
import type { SlackConfig, SlackInstall } from "./config.ts";

/** Methods that change nothing: a 5xx on them is retried in place, never on a post. */
const READ_METHODS = new Set(["auth.test", "conversations.replies", "conversations.info"]);

/**
 * The library calls the global fetch itself, so the shared retry rules (src/retry.ts) come in as
 * a retry handler: a 429 (`ratelimited`) is waited out in place when Slack asks for a short wait,
 * and otherwise fails as transient so the turn is scheduled again at the time Slack asked for; a
 * 5xx is retried in place only for reads, because a post that failed that way may have landed.
 */
export class RetryAfterHandler implements RetryHandler {
  async shouldRetry({ state, request, response }: RetryHandlerArgs): Promise<boolean> {
    if (!response || state.currentAttempt + 1 >= defaultRetryPolicy.maxAttempts) return false;
    const method = READ_METHODS.has(new URL(request.url).pathname.split("/").pop() ?? "") ? "GET" : "POST";
    const wait = retryDelay(response, method, defaultRetryPolicy, state.currentAttempt + 1);
    if (wait === null || wait > defaultRetryPolicy.maxInlineDelayMs) return false;
    await new Promise((resolve) => setTimeout(resolve, wait));
    return true;
  }
}

/** One client per token (or workspace) and API root per isolate. */
const clients = new Map<string, SlackAPIClient>();

/**
 * The client that answers in `teamId`. With installs set up, a workspace that installed the app
 * is answered with its own token (looked up on each call, kept a few minutes in the isolate);
 * one without an installation falls back to SLACK_BOT_TOKEN, the single-tenant setup, which is
 * all there is when installs are not set up.
 */
export function slackClient(config: SlackConfig, teamId?: string): SlackAPIClient {
  const install = config.install;
  const perWorkspace = install !== undefined && teamId !== undefined;
  const key = perWorkspace ? `${config.apiUrl}\nteam:${teamId}` : `${config.apiUrl}\n${config.botToken}`;
  let client = clients.get(key);
  if (!client) {
    // WARN: the library logs request bodies (and so message text) only at DEBUG.
    const options = { baseUrl: config.apiUrl, logLevel: "WARN" as const, retryHandlers: [new RetryAfterHandler()] };
    client = perWorkspace ? new WorkspaceClient(() => workspaceToken(config, install, teamId), options) : new SlackAPIClient(config.botToken, options);
    clients.set(key, client);
  }
  return client;
}

async function workspaceToken(config: SlackConfig, install: SlackInstall, teamId: string): Promise<string> {
  const token = (await installationToken(install.store, teamId)) ?? config.botToken;
  if (!token) throw new InstallationUnavailable(`Slack workspace ${teamId} has not installed the app (install it through /oauth/slack/install)`);
  return token;
}

/**
 * slack-web-api-client sends every method through `call`, which takes a per-call `token`: this
 * client fills it in from the workspace's installation, so callers keep the library's typed API.
 */
class WorkspaceClient extends SlackAPIClient {
  readonly #token: () => Promise<string>;

  constructor(token: () => Promise<string>, options: ConstructorParameters<typeof SlackAPIClient>[1]) {
    super(undefined, options);
    this.#token = token;
  }

  override async call(name: string, params: Record<string, unknown> = {}, state?: RetryHandlerState): ReturnType<SlackAPIClient["call"]> {
    return super.call(name, { ...params, token: await this.#token() }, state);
  }
}

/**
 * A failed Slack call as a short, secret-free error: `chat.postMessage failed: channel_not_found`.
 * `code` is Slack's error string; `status` is set for HTTP-level failures (429, 5xx) and
 * `retryAfterMs` when Slack said how long to wait, which is what the runtime's retry reads.
 */
export class SlackCallError extends Error {
  readonly code: string;
  readonly status?: number;
  readonly retryAfterMs?: number;

  constructor(method: string, code: string, status?: number, retryAfterMs?: number | null) {
    super(`${method} failed: ${code}`);
    this.name = "SlackCallError";
    this.code = code;
    if (status !== undefined) this.status = status;
    if (typeof retryAfterMs === "number") this.retryAfterMs = retryAfterMs;
  }
}

/** Runs a client call, turning the library's errors into `SlackCallError`. */
export async function slackCall<T>(method: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof SlackAPIError) throw new SlackCallError(method, error.error);
    if (error instanceof SlackAPIConnectionError) {
      if (error.status === -1) throw new TypeError(`${method} failed: network error`);
      const wait = error.headers ? retryAfterMs(error.headers) : null;
      throw new SlackCallError(method, error.status === 429 ? "ratelimited" : `http_${error.status}`, error.status, wait);
    }
    throw error;
  }
}
