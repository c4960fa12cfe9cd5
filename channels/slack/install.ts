import { SlackAPIClient, SlackAPIError } from "slack-web-api-client";
import { z } from "zod";
import type { Interpretation } from "../../src/channel.ts";
import { describeIssues } from "../../src/config.ts";
import { InstallRefused, oauthInstallRoutes, type OAuthInstall } from "../../src/installations/oauth.ts";
import { malformed } from "../../src/payload.ts";
import { SlackConfig } from "./config.ts";
import { BOT_SCOPES } from "./scopes.ts";

/**
 * Slack's OAuth v2 install (https://docs.slack.dev/authentication/installing-with-oauth): the
 * consent page with the manifest's bot scopes, then `oauth.v2.access` for the workspace's bot
 * token. Each workspace is one installation, keyed by its team id. An org-wide Enterprise Grid
 * install (`is_enterprise_install`) is refused: it is added to no workspace, and its token is
 * the organization's; install into each workspace instead. Rotating tokens (token rotation on)
 * are refused too: manifest.yaml keeps rotation off, and Slack's bot tokens then do not expire.
 */
export const slackInstall: OAuthInstall<SlackConfig> = {
  channel: "slack",
  platform: "Slack",
  settings(env) {
    const parsed = SlackConfig.safeParse(env);
    if (!parsed.success) return { ok: false, problem: `The Slack channel is not set up: ${describeIssues(parsed.error).join("; ")}.` };
    const install = parsed.data.install;
    if (!install) return { ok: false, problem: "Set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to install the app into workspaces from here." };
    return { ok: true, config: parsed.data, store: install.store, secret: install.secret };
  },
  authorizeUrl(config, redirectUri, state) {
    const url = new URL(config.install!.authorizeUrl);
    url.searchParams.set("client_id", config.install!.clientId);
    url.searchParams.set("scope", BOT_SCOPES.join(","));
    url.searchParams.set("redirect_uri", redirectUri);
    url.searchParams.set("state", state);
    return url.toString();
  },
  async exchange(config, code, redirectUri) {
    const client = new SlackAPIClient(undefined, { baseUrl: config.apiUrl, logLevel: "WARN" });
    let answer;
    try {
      answer = await client.oauth.v2.access({ client_id: config.install!.clientId, client_secret: config.install!.clientSecret, code, redirect_uri: redirectUri });
    } catch (error) {
      // invalid_code (used, or older than 10 minutes), bad_redirect_uri, invalid_client_id…
      if (error instanceof SlackAPIError) throw new InstallRefused(`Slack answered "${error.error}". Start again from the install link.`);
      throw error;
    }
    if (answer.is_enterprise_install || !answer.team?.id) {
      throw new InstallRefused(
        "This was an org-wide Enterprise Grid install, which Switchboard does not support: install the app into each workspace instead (Slack's workspace install, from the same link), and remove the org-wide install in your organization's admin settings.",
      );
    }
    if (answer.refresh_token || answer.expires_in) {
      throw new InstallRefused("This app has token rotation turned on; Switchboard stores Slack's non-expiring bot tokens. Create the app from channels/slack/manifest.yaml (token_rotation_enabled: false).");
    }
    if (answer.token_type !== "bot" || !answer.access_token || !answer.bot_user_id) throw new InstallRefused("Slack's answer held no bot token: the app needs a bot user.");
    return {
      id: answer.team.id,
      details: {
        name: answer.team.name ?? answer.team.id,
        botUserId: answer.bot_user_id,
        ...(answer.app_id ? { appId: answer.app_id } : {}),
        ...(answer.enterprise?.id ? { enterpriseId: answer.enterprise.id } : {}),
        scopes: (answer.scope ?? "").split(",").filter(Boolean),
      },
      grant: { accessToken: answer.access_token },
      next: `Invite the bot to a channel (/invite @${config.botName}) and mention it there, or open it from the Apps section.`,
    };
  },
};

export const slackInstallRoutes = oauthInstallRoutes(slackInstall);

const TokensRevoked = z.object({ event: z.object({ tokens: z.object({ bot: z.array(z.string()).optional(), oauth: z.array(z.string()).optional() }) }) });

/**
 * `app_uninstalled` (the app was removed from the workspace) and `tokens_revoked` with bot tokens
 * (its bot token was revoked): the workspace's installation is removed. Slack may send them in
 * either order; both remove the same installation.
 */
export function uninstallation(payload: unknown, team: string, type: "app_uninstalled" | "tokens_revoked"): Interpretation {
  if (type === "app_uninstalled") return { type: "installation", change: { id: team, status: "removed", reason: "app_uninstalled" } };
  const parsed = TokensRevoked.safeParse(payload);
  if (!parsed.success) return malformed(parsed.error);
  if ((parsed.data.event.tokens.bot ?? []).length === 0) return { type: "ignore", reason: "only user tokens were revoked; the bot's token still works" };
  return { type: "installation", change: { id: team, status: "removed", reason: "tokens_revoked" } };
}
