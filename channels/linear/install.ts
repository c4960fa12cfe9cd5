import { LinearSdk, type LinearRequest } from "@linear/sdk";
import { describeIssues } from "../../src/config.ts";
import { InstallRefused, oauthInstallRoutes, type OAuthInstall } from "../../src/installations/oauth.ts";
import { LinearConfig } from "./config.ts";

/**
 * What an agent app asks for: read and write, and to be assigned (delegated) and @-mentioned
 * (https://linear.app/developers/agents, "Actor and scopes").
 */
export const APP_SCOPES = ["read", "write", "app:assignable", "app:mentionable"] as const;

/**
 * Linear's OAuth 2.0 install with `actor=app` (the app becomes its own user in the workspace;
 * a workspace admin installs it). The code is exchanged at the token endpoint for an access token
 * that lives about a day and a refresh token (every OAuth app uses refresh tokens since
 * 2026-04-01); the installation, keyed by organization id, renews it. `prompt=consent` lets an
 * admin who already installed it into one workspace pick another.
 */
export const linearInstall: OAuthInstall<LinearConfig> = {
  channel: "linear",
  platform: "Linear",
  settings(env) {
    const parsed = LinearConfig.safeParse(env);
    if (!parsed.success) return { ok: false, problem: `The Linear channel is not set up: ${describeIssues(parsed.error).join("; ")}.` };
    const install = parsed.data.install;
    if (!install) return { ok: false, problem: "Set LINEAR_CLIENT_ID and LINEAR_CLIENT_SECRET to install the app into workspaces from here." };
    return { ok: true, config: parsed.data, store: install.store, secret: install.secret };
  },
  authorizeUrl(config, redirectUri, state) {
    const url = new URL(config.install!.authorizeUrl);
    url.searchParams.set("client_id", config.install!.clientId);
    url.searchParams.set("redirect_uri", redirectUri);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("scope", APP_SCOPES.join(","));
    url.searchParams.set("actor", "app");
    url.searchParams.set("prompt", "consent");
    url.searchParams.set("state", state);
    return url.toString();
  },
  async exchange(config, code, redirectUri) {
    const install = config.install!;
    // Client credentials in the form body, as Linear's documentation shows.
    const response = await fetch(install.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: redirectUri, client_id: install.clientId, client_secret: install.clientSecret }),
    });
    const body = (await response.json().catch(() => ({}))) as { access_token?: unknown; refresh_token?: unknown; expires_in?: unknown; scope?: unknown; error?: unknown };
    if (response.status === 400 || response.status === 401) throw new InstallRefused(`Linear answered "${String(body.error ?? response.status).slice(0, 60)}". Start again from the install link.`);
    if (!response.ok || typeof body.access_token !== "string") throw new Error(`the token endpoint answered ${response.status}`);
    const accessToken = body.access_token;
    // Who the app is in this workspace, and which workspace: lean, one request.
    const request: LinearRequest = async <T, V extends Record<string, unknown>>(query: string, variables?: V) => {
      const answer = await fetch(config.apiUrl, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${accessToken}` }, body: JSON.stringify({ query, variables }) });
      const json = (await answer.json()) as { data?: T };
      if (!answer.ok || !json.data) throw new Error(`Linear answered ${answer.status} to the install's viewer query`);
      return json.data;
    };
    const viewer = await new LinearSdk(request).viewer;
    const { organization } = await request<{ organization: { id: string; name: string } }, Record<string, never>>("query organization { organization { id name urlKey } }");
    return {
      id: organization.id,
      details: { name: organization.name, botUserId: viewer.id, appUser: viewer.name, scopes: typeof body.scope === "string" ? body.scope.split(/[ ,]+/) : [...APP_SCOPES] },
      grant: {
        accessToken,
        ...(typeof body.refresh_token === "string" ? { refreshToken: body.refresh_token } : {}),
        ...(typeof body.expires_in === "number" ? { expiresAt: Date.now() + body.expires_in * 1000 } : {}),
      },
      next: `Delegate an issue to ${viewer.name} or @-mention it in a comment.`,
    };
  },
};

export const linearInstallRoutes = oauthInstallRoutes(linearInstall);
