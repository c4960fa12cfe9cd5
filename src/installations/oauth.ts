import { Hono, type Context } from "hono";
import { getCookie, setCookie, deleteCookie } from "hono/cookie";
import { log } from "../log.ts";
import { toBase64Url } from "./keys.ts";
import { checkState, signState, STATE_TTL_MS } from "./state.ts";
import type { InstallationStore } from "./store.ts";
import type { Grant, InstallationDetails } from "./types.ts";

/** What an OAuth install produced: the installation's id, its details and its tokens. */
export interface Installed {
  readonly id: string;
  readonly details: InstallationDetails;
  readonly grant: Grant;
  /** What the success page tells the installer to do next. */
  readonly next: string;
}

/**
 * The platform refused or cannot be served this install (a used code, an org-wide Slack
 * install): a 400 page saying so. Any other error is the platform failing: a 502 page.
 */
export class InstallRefused extends Error {
  override name = "InstallRefused";
}

/** A channel's half of the install flow; the routes, `state` and cookie are the same for all. */
export interface OAuthInstall<Config> {
  readonly channel: string;
  /** Display name in pages: "Slack". */
  readonly platform: string;
  /** The channel's config with its install flow set up (client id and secret, store, key), or why not. */
  settings(env: Env): { ok: true; config: Config; store: InstallationStore; secret: string } | { ok: false; problem: string };
  authorizeUrl(config: Config, redirectUri: string, state: string): string;
  exchange(config: Config, code: string, redirectUri: string): Promise<Installed>;
}

type AppEnv = { Bindings: Env };

/**
 * `GET /oauth/<channel>/install` redirects to the platform's consent page with a signed `state`
 * that expires in 10 minutes, and sets the same nonce in a cookie; `GET /oauth/<channel>/callback`
 * checks both (a forged, expired or foreign state, or another browser, is a 400), exchanges the
 * code and stores the installation.
 */
export function oauthInstallRoutes<Config>(install: OAuthInstall<Config>, now: () => number = Date.now): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const cookie = `switchboard_oauth_${install.channel}`;
  const redirectUri = (c: Context<AppEnv>) => `${new URL(c.req.url).origin}/oauth/${install.channel}/callback`;

  app.get("/install", async (c) => {
    const settings = install.settings(c.env);
    if (!settings.ok) return page(c, 404, `${install.platform} installs are not set up`, settings.problem);
    const nonce = toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
    const state = await signState(settings.secret, install.channel, nonce, now());
    setCookie(c, cookie, nonce, {
      path: `/oauth/${install.channel}`,
      httpOnly: true,
      secure: new URL(c.req.url).protocol === "https:",
      sameSite: "Lax",
      maxAge: STATE_TTL_MS / 1000,
    });
    return c.redirect(install.authorizeUrl(settings.config, redirectUri(c), state), 302);
  });

  app.get("/callback", async (c) => {
    const settings = install.settings(c.env);
    if (!settings.ok) return page(c, 404, `${install.platform} installs are not set up`, settings.problem);
    const { code, state, error } = c.req.query();
    if (error) return page(c, 400, "The install was cancelled", `${install.platform} answered "${error.slice(0, 100)}". Start again from the install link when you are ready.`);
    if (!state) return page(c, 400, "This install link is incomplete", "The callback has no state. Start again from the install link.");
    const checked = await checkState(settings.secret, install.channel, state, now());
    if (!checked.ok) {
      const why = checked.reason === "expired" ? "It expired: an install must finish within 10 minutes." : "Its state was not issued by this Worker for this platform.";
      return page(c, 400, "This install link is not valid", `${why} Start again from the install link.`);
    }
    if (getCookie(c, cookie) !== checked.nonce) {
      return page(c, 400, "This install started in another browser", "Open the install link and finish the install in the same browser.");
    }
    if (!code) return page(c, 400, "This install link is incomplete", "The callback has no code. Start again from the install link.");
    deleteCookie(c, cookie, { path: `/oauth/${install.channel}` });
    let installed: Installed;
    try {
      installed = await install.exchange(settings.config, code, redirectUri(c));
    } catch (failure) {
      if (failure instanceof InstallRefused) return page(c, 400, `${install.platform} did not complete the install`, failure.message);
      log("oauth.exchange_failed", { channel: install.channel, error: failure instanceof Error ? failure.name : "unknown" });
      return page(c, 502, `${install.platform} could not be reached`, "The install did not finish. Try again in a minute.");
    }
    await settings.store.save(installed.id, installed.details, installed.grant);
    const name = typeof installed.details.name === "string" ? installed.details.name : installed.id;
    return page(c, 200, `Installed in ${name}`, installed.next);
  });

  return app;
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escape = (text: string) => text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);

/** A plain page a person reads at the end of an install; it never holds a token or a code. */
function page(c: Context<AppEnv>, status: 200 | 400 | 404 | 502, title: string, message: string): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1d1c1d}h1{font-size:1.4rem}</style></head>
<body><h1>${escape(title)}</h1><p>${escape(message)}</p></body></html>`;
  return c.html(html, status, { "cache-control": "no-store", "referrer-policy": "no-referrer" });
}
