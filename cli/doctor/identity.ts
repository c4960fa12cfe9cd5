// Who each platform says the configured credentials belong to, and what they may do: the
// identity endpoint of each, at the configured *_API_URL (the emulator in dev). Problems name
// the variable to fix, never a value.
import { createAppAuth } from "@octokit/auth-app";
import type { DiscordConfig } from "../../channels/discord/config.ts";
import { COMMANDS } from "../../channels/discord/commands.ts";
import type { GitHubConfig } from "../../channels/github/config.ts";
import type { LinearConfig } from "../../channels/linear/config.ts";
import type { SlackConfig } from "../../channels/slack/config.ts";
import { GITHUB_SETUP } from "./setup.ts";

export interface Identity {
  /** Who the platform says the credentials are, and what they may do; no secret. */
  readonly detail: string;
  /** Each names the variable to change. */
  readonly problems: readonly string[];
}

export interface IdentityContext {
  readonly root: string;
  /** The Worker's public URL, when given: settings the platform reports are compared with it. */
  readonly workerUrl?: string;
  readonly slackScopes: readonly string[];
}

export type IdentityCheck = (config: never, context: IdentityContext) => Promise<Identity>;

/** Per channel: the call the progress line names, and the check. A channel without one is only validated. */
export const identityChecks: Readonly<Record<string, { readonly call: string; readonly check: IdentityCheck }>> = {
  github: { call: "GET /user, or GET /app and its installations", check: github },
  slack: { call: "auth.test", check: slack },
  linear: { call: "viewer", check: linear },
  discord: { call: "GET /users/@me, /applications/@me and its commands", check: discord },
};

const TIMEOUT_MS = 10_000;

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/** One call; a network failure names the host it could not reach, never the request's headers. */
async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const reason = cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : String(cause);
    throw new Error(`could not reach ${new URL(url).origin}: ${reason}`);
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, headers: response.headers, body };
}

const field = (value: unknown, key: string): unknown => (value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined);
const text = (value: unknown, key: string): string => String(field(value, key) ?? "");

async function slack(config: SlackConfig, context: IdentityContext): Promise<Identity> {
  if (!config.botToken) return { detail: "no SLACK_BOT_TOKEN: workspaces are answered with their own installs' tokens, which the Worker keeps", problems: [] };
  const answer = await call(`${config.apiUrl}auth.test`, { method: "POST", headers: { authorization: `Bearer ${config.botToken}` } });
  if (field(answer.body, "ok") !== true) {
    const error = text(answer.body, "error") || `HTTP ${answer.status}`;
    const hint = error === "invalid_auth" || error === "not_authed" || error === "token_revoked" ? " (copy the Bot User OAuth Token, xoxb-…, from OAuth & Permissions again)" : "";
    return { detail: `auth.test answered ${error}`, problems: [`SLACK_BOT_TOKEN: auth.test answered ${error}${hint}`] };
  }
  const problems: string[] = [];
  const userId = text(answer.body, "user_id");
  if (config.botUserId && config.botUserId !== userId) problems.push(`SLACK_BOT_USER_ID: is not the token's bot user (auth.test says ${userId})`);
  const granted = answer.headers.get("x-oauth-scopes");
  let scopes = "Slack did not report the token's scopes";
  if (granted !== null) {
    const have = new Set(granted.split(",").map((scope) => scope.trim()).filter(Boolean));
    const missing = context.slackScopes.filter((scope) => !have.has(scope));
    scopes = missing.length === 0 ? `all ${context.slackScopes.length} scopes manifest.yaml asks for` : `lacks ${missing.join(", ")}`;
    if (missing.length > 0) {
      problems.push(`SLACK_BOT_TOKEN: the app lacks the scopes ${missing.join(", ")} that channels/slack/manifest.yaml asks for (add them under OAuth & Permissions, then reinstall the app)`);
    }
  }
  return { detail: `@${text(answer.body, "user")} (${userId}) in ${text(answer.body, "team")} (${text(answer.body, "team_id")}); ${scopes}`, problems };
}

async function github(config: GitHubConfig): Promise<Identity> {
  return config.auth.type === "token" ? githubToken(config, config.auth.token) : githubApp(config, config.auth);
}

async function githubToken(config: GitHubConfig, token: string): Promise<Identity> {
  const answer = await call(`${config.apiUrl}/user`, { headers: githubHeaders(`token ${token}`) });
  if (answer.status !== 200) return { detail: `GET /user answered ${answer.status}`, problems: [`GITHUB_TOKEN: GitHub answered ${answer.status} ${text(answer.body, "message")}`.trim()] };
  const login = text(answer.body, "login");
  const problems: string[] = [];
  if (login.toLowerCase() !== config.botName.toLowerCase()) {
    problems.push(`BOT_NAME: is not the token's account (GitHub says @${login}): the bot would take its own comments for someone else's`);
  }
  const scopes = answer.headers.get("x-oauth-scopes");
  if (scopes !== null && !/(^|,\s*)(public_)?repo(\s*,|$)/.test(scopes)) {
    problems.push(`GITHUB_TOKEN: a classic token needs the repo (or public_repo) scope to comment and label; it has: ${scopes || "none"}`);
  }
  return { detail: `a token of @${login}; ${scopes === null ? "fine-grained (GitHub does not report its permissions)" : `scopes: ${scopes || "none"}`}`, problems };
}

async function githubApp(config: GitHubConfig, auth: Extract<GitHubConfig["auth"], { type: "app" }>): Promise<Identity> {
  let jwt: string;
  try {
    jwt = (await createAppAuth({ appId: auth.appId, privateKey: auth.privateKey })({ type: "app" })).token;
  } catch (error) {
    return { detail: "could not sign an App JWT", problems: [`GITHUB_PRIVATE_KEY: could not sign a JWT with it (${error instanceof Error ? error.name : "error"})`] };
  }
  const app = await call(`${config.apiUrl}/app`, { headers: githubHeaders(`Bearer ${jwt}`) });
  if (app.status !== 200) {
    return { detail: `GET /app answered ${app.status}`, problems: [`GITHUB_APP_ID, GITHUB_PRIVATE_KEY: GitHub refused the App JWT (${app.status} ${text(app.body, "message")}): the key is not this App's, or the id is wrong`] };
  }
  const slug = text(app.body, "slug");
  const problems: string[] = [];
  if (slug.toLowerCase() !== config.botName.toLowerCase()) problems.push(`BOT_NAME: is not the App's slug (${slug}): the bot would take its own comments for someone else's`);
  const missingEvents = missing(GITHUB_EVENTS, (field(app.body, "events") as string[] | undefined) ?? []);
  if (missingEvents.length) problems.push(`the App does not subscribe to ${missingEvents.join(", ")} (App settings → Permissions & events)`);
  problems.push(...permissionProblems("the App", field(app.body, "permissions")));

  const installations = await call(`${config.apiUrl}/app/installations`, { headers: githubHeaders(`Bearer ${jwt}`) });
  const list = Array.isArray(installations.body) ? installations.body : [];
  if (list.length === 0) problems.push("the App is installed nowhere: install it on the repositories it should answer in");
  for (const installation of list) {
    const where = `the installation on ${text(field(installation, "account"), "login")}`;
    problems.push(...permissionProblems(where, field(installation, "permissions")).map((problem) => `${problem} (accept the App's new permissions there)`));
  }
  return { detail: `App ${slug} (id ${auth.appId}), ${list.length} installation(s)`, problems };
}

/** GitHub's event names for what the README lists as "Issues, Issue comment, …". */
const GITHUB_EVENTS = ["issues", "issue_comment", "pull_request", "pull_request_review_comment"];
/** What channels/github/README.md asks an App for; more is fine. */
const GITHUB_PERMISSIONS: Readonly<Record<string, "read" | "write">> = { issues: "write", pull_requests: "read", metadata: "read" };

function permissionProblems(who: string, permissions: unknown): string[] {
  const granted = (permissions ?? {}) as Record<string, string>;
  return Object.entries(GITHUB_PERMISSIONS)
    .filter(([name, level]) => !(granted[name] === "write" || granted[name] === level))
    .map(([name, level]) => `${who} lacks ${name}: ${level} (${GITHUB_SETUP.permissions.join("; ")})`);
}

const missing = (wanted: readonly string[], have: readonly string[]) => wanted.filter((item) => !have.includes(item));

function githubHeaders(authorization: string): Record<string, string> {
  return { authorization, accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28", "user-agent": "switchboard-doctor" };
}

async function linear(config: LinearConfig): Promise<Identity> {
  if (!config.authorization) return { detail: "no LINEAR_API_KEY or LINEAR_ACCESS_TOKEN: each organization is answered with its own install's token, which the Worker keeps", problems: [] };
  const variable = config.authorization.startsWith("Bearer ") ? "LINEAR_ACCESS_TOKEN or LINEAR_API_KEY" : "LINEAR_API_KEY";
  const answer = await call(config.apiUrl, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: config.authorization, "user-agent": "switchboard-doctor" },
    body: JSON.stringify({ query: "query viewer { viewer { id name displayName app } }" }),
  });
  const viewer = field(field(answer.body, "data"), "viewer");
  if (answer.status !== 200 || !viewer) {
    const error = (field(answer.body, "errors") as unknown[] | undefined)?.[0];
    const code = text(field(error, "extensions"), "code") || `HTTP ${answer.status}`;
    return { detail: `viewer answered ${code}`, problems: [`${variable}: Linear answered ${code} (${text(error, "message") || "no message"})`] };
  }
  const problems: string[] = [];
  const id = text(viewer, "id");
  if (config.botUserId && config.botUserId !== id) problems.push(`LINEAR_BOT_USER_ID: is not the credential's user (viewer is ${id})`);
  const app = field(viewer, "app") === true;
  return { detail: `${text(viewer, "displayName") || text(viewer, "name")} (${id})${app ? ", an app user (actor=app): agent sessions work" : ", a user: comments only (agent sessions need an OAuth app)"}`, problems };
}

async function discord(config: DiscordConfig, context: IdentityContext): Promise<Identity> {
  const api = `${config.apiBase}/v${config.apiVersion}`;
  const headers = { authorization: `Bot ${config.botToken}`, "user-agent": "DiscordBot (switchboard-doctor, 1)" };
  const me = await call(`${api}/users/@me`, { headers });
  if (me.status !== 200) return { detail: `GET /users/@me answered ${me.status}`, problems: [`DISCORD_BOT_TOKEN: Discord answered ${me.status} ${text(me.body, "message")}`.trim()] };
  const problems: string[] = [];
  const botId = text(me.body, "id");
  if (botId !== config.botUserId) {
    problems.push(`${config.botUserId === config.applicationId ? "DISCORD_APPLICATION_ID" : "DISCORD_BOT_USER_ID"}: the token's bot user is ${botId}; set DISCORD_BOT_USER_ID=${botId} if the application id differs`);
  }
  const application = await call(`${api}/applications/@me`, { headers });
  if (application.status === 200) {
    if (text(application.body, "id") !== config.applicationId) problems.push(`DISCORD_APPLICATION_ID: the token belongs to application ${text(application.body, "id")}`);
    if (text(application.body, "verify_key").toLowerCase() !== config.publicKey) problems.push("DISCORD_PUBLIC_KEY: is not the application's public key (General Information → Public Key): every interaction would be refused");
    const endpoint = field(application.body, "interactions_endpoint_url");
    const expected = context.workerUrl ? `${context.workerUrl}/webhooks/discord/interactions` : undefined;
    if (expected && endpoint !== expected) problems.push(`the Interactions Endpoint URL is ${endpoint ? String(endpoint) : "not set"}; set it to ${expected} (General Information)`);
  }
  const commands = await call(`${api}/applications/${config.applicationId}/commands`, { headers });
  const registered = Array.isArray(commands.body) ? commands.body.map((command) => text(command, "name")) : [];
  if (commands.status === 200) {
    const absent = missing(COMMANDS.map((command) => command.name), registered);
    if (absent.length) problems.push(`the commands ${absent.map((name) => `"${name}"`).join(", ")} are not registered: npx switchboard discord register`);
  } else problems.push(`DISCORD_APPLICATION_ID: listing its commands answered ${commands.status} ${text(commands.body, "message")}`.trim());
  return { detail: `bot @${text(me.body, "username")} (${botId}); commands: ${registered.length ? registered.join(", ") : "none"}`, problems };
}
