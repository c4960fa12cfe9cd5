// Linear's OAuth 2.0, emulated (https://linear.app/developers/oauth-2-0-authentication): the
// consent page (`/linear/oauth/authorize`; Linear's is https://linear.app/oauth/authorize) and the
// token endpoint (`/linear/oauth/token`, Linear's https://api.linear.app/oauth/token) with the
// authorization-code and refresh-token grants. Access tokens are short-lived; every refresh
// rotates the refresh token and the old one is refused (`invalid_grant`), so a client that
// refreshes twice with the same token, or keeps an old one, finds out here.
import { randomBytes } from "node:crypto";
import { Hono } from "hono";
import { recorderMiddleware, type Core } from "./core.ts";

export interface LinearOAuthOptions {
  clientId: string;
  clientSecret: string;
  /** Lifetime of access tokens; Linear's are about a day. Default 3600. */
  accessTokenTtlSeconds?: number;
}

interface Grant {
  organizationId: string;
  scope: string;
  refreshToken: string;
  revoked: boolean;
}

const CODE_TTL_MS = 10 * 60_000;
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function createLinearOAuth(core: Core, options: LinearOAuthOptions | undefined, homeOrganization: string) {
  const codes = new Map<string, { redirectUri: string; organizationId: string; scope: string; expiresAt: number }>();
  const grants = new Map<string, Grant>(); // by current refresh token
  const retired = new Set<string>(); // rotated-out refresh tokens
  const access = new Map<string, { grant: Grant; expiresAt: number }>();
  const ttl = () => (options?.accessTokenTtlSeconds ?? 3600) * 1000;

  /** The organization a Bearer token may act in, or null (unknown, expired or revoked). */
  function organizationOf(token: string): string | null {
    const entry = access.get(token);
    if (!entry || entry.grant.revoked || entry.expiresAt <= core.now().getTime()) return null;
    return entry.grant.organizationId;
  }

  function issue(grant: Grant) {
    const token = `lin_oauth_${randomBytes(24).toString("hex")}`;
    access.set(token, { grant, expiresAt: core.now().getTime() + ttl() });
    return { access_token: token, token_type: "Bearer", expires_in: Math.floor(ttl() / 1000), scope: grant.scope, refresh_token: grant.refreshToken };
  }

  const error = (c: { json: (body: unknown, status: 400 | 401) => Response }, code: string, description: string, status: 400 | 401 = 400) =>
    c.json({ error: code, error_description: description }, status);

  const api = new Hono();
  // Recorded like the GraphQL calls (secrets masked): `/oauth/token` with its grant_type.
  api.use("/oauth/token", recorderMiddleware(core, "linear", "/linear", (fault) => ({ status: fault.status, headers: {}, body: fault.body ?? { error: "server_error" } })));
  api.post("/oauth/token", async (c) => {
    const form = new URLSearchParams(await c.req.text());
    const basic = /^Basic\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
    const [basicId, basicSecret] = basic ? Buffer.from(basic, "base64").toString().split(":") : [];
    if (!options || (form.get("client_id") ?? basicId) !== options.clientId || (form.get("client_secret") ?? basicSecret) !== options.clientSecret) {
      return error(c, "invalid_client", "Client authentication failed", 401);
    }
    if (form.get("grant_type") === "authorization_code") {
      const code = codes.get(form.get("code") ?? "");
      codes.delete(form.get("code") ?? "");
      if (!code || code.expiresAt <= core.now().getTime()) return error(c, "invalid_grant", "The authorization code is invalid or expired");
      if (form.get("redirect_uri") !== code.redirectUri) return error(c, "invalid_grant", "redirect_uri does not match");
      const grant: Grant = { organizationId: code.organizationId, scope: code.scope, refreshToken: `lin_refresh_${randomBytes(24).toString("hex")}`, revoked: false };
      grants.set(grant.refreshToken, grant);
      return c.json(issue(grant));
    }
    if (form.get("grant_type") === "refresh_token") {
      const presented = form.get("refresh_token") ?? "";
      const grant = grants.get(presented);
      if (!grant || grant.revoked || retired.has(presented)) return error(c, "invalid_grant", "Token has been expired or revoked.");
      // Rotation: the presented refresh token is spent; the answer carries the next one.
      grants.delete(presented);
      retired.add(presented);
      grant.refreshToken = `lin_refresh_${randomBytes(24).toString("hex")}`;
      grants.set(grant.refreshToken, grant);
      return c.json(issue(grant));
    }
    return error(c, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token");
  });

  const pages = new Hono();
  pages.get("/oauth/authorize", (c) => {
    const q = c.req.query();
    if (!options || q.client_id !== options.clientId) return c.html(`<h1>Invalid client_id</h1>`, 400);
    const hidden = ["client_id", "redirect_uri", "state", "scope", "actor"].map((k) => `<input type="hidden" name="${k}" value="${escape(q[k] ?? "")}">`).join("");
    return c.html(`<!doctype html><html><head><meta charset="utf-8"><title>Authorize application | Linear (emulated)</title></head>
<body><h1>The application wants to be installed in a workspace${q.actor === "app" ? " as its own app user" : ""}</h1>
<form method="post" action="">${hidden}<label>Workspace (organization id) <input name="organization_id" value="${escape(homeOrganization)}"></label>
<p>Scopes: ${escape(q.scope ?? "")}</p><button name="decision" value="allow">Authorize</button><button name="decision" value="cancel">Cancel</button></form></body></html>`);
  });
  pages.post("/oauth/authorize", async (c) => {
    const form = Object.fromEntries(new URLSearchParams(await c.req.text()));
    if (!options || form.client_id !== options.clientId) return c.html(`<h1>Invalid client_id</h1>`, 400);
    const redirect = new URL(form.redirect_uri ?? "");
    if (form.state) redirect.searchParams.set("state", form.state);
    if (form.decision === "cancel") {
      redirect.searchParams.set("error", "access_denied");
      return c.redirect(redirect.toString(), 302);
    }
    const code = randomBytes(20).toString("hex");
    codes.set(code, { redirectUri: form.redirect_uri ?? "", organizationId: form.organization_id || homeOrganization, scope: form.scope ?? "read", expiresAt: core.now().getTime() + CODE_TTL_MS });
    redirect.searchParams.set("code", code);
    return c.redirect(redirect.toString(), 302);
  });

  const control = new Hono();
  // Time passes: every access token of the organization has expired (its refresh token still works).
  control.post("/expire", async (c) => {
    const { organizationId } = (await c.req.json()) as { organizationId: string };
    let expired = 0;
    for (const entry of access.values()) if (entry.grant.organizationId === organizationId) (entry.expiresAt = core.now().getTime()), expired++;
    return c.json({ expired });
  });
  // The workspace revoked the app: its tokens and refresh tokens stop working.
  control.post("/revoke", async (c) => {
    const { organizationId } = (await c.req.json()) as { organizationId: string };
    let revoked = 0;
    for (const grant of grants.values()) if (grant.organizationId === organizationId) (grant.revoked = true), revoked++;
    return c.json({ revoked });
  });
  control.get("/grants", (c) => {
    const counts: Record<string, number> = {};
    for (const grant of grants.values()) if (!grant.revoked) counts[grant.organizationId] = (counts[grant.organizationId] ?? 0) + 1;
    return c.json({ active: counts, rotatedOut: retired.size });
  });

  return { organizationOf, api, pages, control };
}
