import { Hono } from "hono";
import { z } from "zod";
import type { Interpretation } from "../../src/channel.ts";
import { malformed } from "../../src/payload.ts";
import { GitHubConfig } from "./config.ts";

const Installation = z.object({
  installation: z.object({
    id: z.number().int().positive(),
    account: z.object({ login: z.string(), type: z.string().optional() }).nullable().optional(),
    repository_selection: z.string().optional(),
  }),
});
const Repositories = z.array(z.object({ full_name: z.string() })).optional();

/**
 * `installation` and `installation_repositories` webhooks (a GitHub App's, always delivered):
 * created and unsuspended installations are recorded with their account and repositories;
 * `deleted` and `suspend` remove them, so later deliveries naming them are ignored with the
 * reason. A GitHub App's tokens are minted per installation from its private key, so nothing
 * secret is stored.
 */
export function installationEvent(name: string, action: string | undefined, payload: unknown): Interpretation {
  const parsed = Installation.safeParse(payload);
  if (!parsed.success) return malformed(parsed.error);
  const { id, account, repository_selection } = parsed.data.installation;
  const installation = String(id);
  const names = (field: string) => (Repositories.safeParse((payload as Record<string, unknown>)[field]).data ?? []).map((r) => r.full_name).slice(0, 100);
  if (name === "installation" && (action === "deleted" || action === "suspend")) {
    return { type: "installation", change: { id: installation, status: "removed", reason: `installation.${action}` } };
  }
  const details = {
    ...(account ? { name: account.login, accountType: account.type ?? "User" } : {}),
    ...(repository_selection ? { repositorySelection: repository_selection } : {}),
  };
  if (name === "installation" && (action === "created" || action === "unsuspend" || action === "new_permissions_accepted")) {
    return { type: "installation", change: { id: installation, status: "active", details: { ...details, ...(action === "created" ? { repositories: names("repositories") } : {}) } } };
  }
  if (name === "installation_repositories" && (action === "added" || action === "removed")) {
    return { type: "installation", change: { id: installation, status: "active", details: { ...details, [`repositories${action === "added" ? "Added" : "Removed"}`]: names(`repositories_${action}`) } } };
  }
  return { type: "ignore", reason: `GitHub "${name}.${action ?? ""}" changes no installation` };
}

/**
 * `GET /oauth/github/install`: the App's install page on GitHub (github.com/apps/<slug>, or
 * <host>/github-apps/<slug> on GitHub Enterprise Server). GitHub then sends the `installation`
 * webhook; nothing comes back through the browser that needs checking.
 */
export const githubInstallRoutes = new Hono<{ Bindings: Env }>().get("/install", (c) => {
  const config = GitHubConfig.safeParse(c.env);
  if (!config.success || config.data.auth.type !== "app") return c.text("GitHub App installs are not set up: set GITHUB_APP_ID and GITHUB_PRIVATE_KEY.", 404);
  const api = new URL(config.data.apiUrl);
  const slug = encodeURIComponent(config.data.botName.replace(/\[bot\]$/, ""));
  const page = api.hostname === "api.github.com" ? `https://github.com/apps/${slug}/installations/new` : `${api.origin}/github-apps/${slug}/installations/new`;
  return c.redirect(page, 302);
});
