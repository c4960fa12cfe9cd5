// Slack's OAuth v2 install, emulated: the consent page a workspace admin sees
// (`/slack/oauth/v2/authorize`, Slack's is https://slack.com/oauth/v2/authorize), the
// `oauth.v2.access` method that exchanges its code, and the workspaces installed that way, each
// with its own bot user and bot token, so one app can be talked to in two workspaces.
import { randomBytes } from "node:crypto";
import { Hono } from "hono";
import type { Core } from "./core.ts";
import { SlackError, optional, type Params } from "./slack-http.ts";

/** The app's OAuth credentials (Basic Information → App Credentials). */
export interface SlackOAuthOptions {
  clientId: string;
  clientSecret: string;
}

/** A workspace the app is installed in: its team, its bot user, and the tokens it issued. */
export interface SlackWorkspace {
  teamId: string;
  name: string;
  botUserId: string;
  botId: string;
  tokens: Set<string>;
  revoked: Set<string>;
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  teamId: string;
  scope: string;
  enterprise: boolean;
  expiresAt: number;
}

/** Slack's codes are single use and expire after ten minutes. */
const CODE_TTL_MS = 10 * 60_000;

const ids = (prefix: string) => `${prefix}0${randomBytes(5).toString("hex").toUpperCase().slice(0, 9)}`;
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function createSlackInstalls(core: Core, home: SlackWorkspace, oauth: SlackOAuthOptions | undefined, appId: string) {
  const workspaces = new Map<string, SlackWorkspace>([[home.teamId, home]]);
  const codes = new Map<string, IssuedCode>();

  /** The workspace a bot token belongs to; a revoked token says so, as Slack does. */
  function caller(token: string): SlackWorkspace | null {
    for (const workspace of workspaces.values()) {
      if (workspace.revoked.has(token)) throw new SlackError("token_revoked");
      if (workspace.tokens.has(token)) return workspace;
    }
    return null;
  }

  /** `oauth.v2.access`: client credentials in the arguments (or Basic auth), the code, the same redirect_uri. */
  function access(params: Params, authorization: string | undefined): Params {
    if (!oauth) throw new SlackError("invalid_client_id");
    const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? "")?.[1];
    const [basicId, basicSecret] = basic ? Buffer.from(basic, "base64").toString().split(":") : [];
    const clientId = optional(params, "client_id") ?? basicId;
    const clientSecret = optional(params, "client_secret") ?? basicSecret;
    if (clientId !== oauth.clientId) throw new SlackError("invalid_client_id");
    if (clientSecret !== oauth.clientSecret) throw new SlackError("bad_client_secret");
    if (optional(params, "grant_type") === "refresh_token") throw new SlackError("invalid_refresh_token");
    const code = codes.get(optional(params, "code") ?? "");
    if (!code || code.expiresAt <= core.now().getTime()) throw new SlackError("invalid_code");
    codes.delete(optional(params, "code")!);
    if ((optional(params, "redirect_uri") ?? code.redirectUri) !== code.redirectUri) throw new SlackError("bad_redirect_uri");
    const workspace = workspaces.get(code.teamId)!;
    const token = `xoxb-${workspace.teamId.slice(1)}-${randomBytes(12).toString("hex")}`;
    workspace.tokens.add(token);
    const answer = {
      app_id: appId,
      authed_user: { id: ids("U") },
      scope: code.scope,
      token_type: "bot",
      access_token: token,
      bot_user_id: workspace.botUserId,
      incoming_webhook: undefined,
    };
    // An org-wide install (Enterprise Grid) is not added to any workspace yet: team is null.
    return code.enterprise
      ? { ...answer, team: null, enterprise: { id: `E${workspace.teamId.slice(1)}`, name: `${workspace.name} (org)` }, is_enterprise_install: true }
      : { ...answer, team: { id: workspace.teamId, name: workspace.name }, enterprise: null, is_enterprise_install: false };
  }

  const pages = new Hono();
  pages.get("/v2/authorize", (c) => {
    const q = c.req.query();
    if (!oauth || q.client_id !== oauth.clientId) return c.html(`<h1>Something's wrong</h1><p>Invalid client_id parameter.</p>`, 400);
    const choices = [...workspaces.values()]
      .map((w, i) => `<label><input type="radio" name="team" value="${escape(w.teamId)}"${i === 0 ? " checked" : ""}> ${escape(w.name)} (${escape(w.teamId)})</label>`)
      .join("<br>");
    const hidden = ["client_id", "redirect_uri", "state", "scope"].map((k) => `<input type="hidden" name="${k}" value="${escape(q[k] ?? "")}">`).join("");
    return c.html(`<!doctype html><html><head><meta charset="utf-8"><title>Install app | Slack (emulated)</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;color:#1d1c1d}button{font:inherit;padding:.4rem 1rem;margin-right:.5rem}</style></head>
<body><h1>The app is requesting permission to access a Slack workspace</h1>
<form method="post" action="">${hidden}
<p>Install into:</p><p>${choices}<br><label><input type="radio" name="team" value="new"> a new workspace named <input name="team_name" value="Second Workspace" aria-label="new workspace name"></label></p>
<p>It will be able to: ${escape((q.scope ?? "").split(",").join(", "))}</p>
<button name="decision" value="allow" type="submit">Allow</button><button name="decision" value="cancel" type="submit">Cancel</button>
</form></body></html>`);
  });

  pages.post("/v2/authorize", async (c) => {
    const form = Object.fromEntries(new URLSearchParams(await c.req.text()));
    if (!oauth || form.client_id !== oauth.clientId) return c.html(`<h1>Something's wrong</h1><p>Invalid client_id parameter.</p>`, 400);
    const redirect = new URL(form.redirect_uri ?? "");
    if (form.decision === "cancel") {
      redirect.searchParams.set("error", "access_denied");
      if (form.state) redirect.searchParams.set("state", form.state);
      return c.redirect(redirect.toString(), 302);
    }
    let workspace = form.team && form.team !== "new" ? workspaces.get(form.team) : undefined;
    if (!workspace) {
      const teamId = form.team && form.team !== "new" && /^T[A-Z0-9]{2,}$/.test(form.team) ? form.team : ids("T");
      workspace = { teamId, name: form.team_name || teamId, botUserId: ids("U"), botId: ids("B"), tokens: new Set(), revoked: new Set() };
      workspaces.set(teamId, workspace);
    }
    const code = `${Date.now()}.${randomBytes(16).toString("hex")}`;
    codes.set(code, {
      clientId: oauth.clientId,
      redirectUri: form.redirect_uri ?? "",
      teamId: workspace.teamId,
      scope: form.scope ?? "",
      enterprise: form.enterprise_install === "1",
      expiresAt: core.now().getTime() + CODE_TTL_MS,
    });
    redirect.searchParams.set("code", code);
    if (form.state) redirect.searchParams.set("state", form.state);
    return c.redirect(redirect.toString(), 302);
  });

  const control = new Hono();
  control.get("/workspaces", (c) => c.json(snapshot()));
  // The app removed from a workspace: its tokens stop working (Slack then sends app_uninstalled).
  control.post("/workspaces/:team/uninstall", (c) => {
    const workspace = workspaces.get(c.req.param("team"));
    if (!workspace) return c.json({ error: "no such workspace" }, 404);
    for (const token of workspace.tokens) workspace.revoked.add(token);
    workspace.tokens.clear();
    return c.json({ teamId: workspace.teamId, revoked: workspace.revoked.size });
  });

  function snapshot() {
    return [...workspaces.values()].map((w) => ({ teamId: w.teamId, name: w.name, botUserId: w.botUserId, botId: w.botId, installed: w.tokens.size > 0 }));
  }

  return { caller, access, pages, control, snapshot, workspace: (teamId: string) => workspaces.get(teamId) };
}
