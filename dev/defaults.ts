// Development defaults for `npm run dev`: documented, dev-only values. They sign local test
// events and authenticate against the local emulator; they protect nothing. A real `.dev.vars`
// overrides any of them.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEV_EMULATOR_HOST, DEV_EMULATOR_PORT, DEV_GITHUB_TOKEN } from "./emulator/defaults.ts";
import { DEV_DISCORD } from "./emulator/discord.ts";
import { DEV_LINEAR } from "./emulator/linear.ts";
import { DEV_SLACK, DEV_SLACK_OAUTH } from "./emulator/slack.ts";

export const DEV_WORKER_PORT = 8787;
export const DEV_BOT_NAME = "switchboard";
export const DEV_GITHUB_WEBHOOK_SECRET = "switchboard-dev-github-webhook-secret";
/** The playground's Discord channel for reports (#bug-reports); #general (…100) stays a channel the bot only triages in. */
export const DEV_DISCORD_REPORTS_CHANNEL = "1300000000000000101";
/**
 * Where the playground's chat reports are filed: Slack's #general and Discord's #bug-reports into
 * the GitHub view's repository, the Slack DM into Linear's ENG team.
 */
export const DEV_TICKET_TRACKERS = `slack:C0PLAYGRND=github:octo-org/demo slack:D0PLAYGRND=linear:ENG discord:${DEV_DISCORD_REPORTS_CHANNEL}=github:octo-org/demo`;
/** Seals installed workspaces' tokens and signs install `state` in dev: base64 of 32 bytes, dev only. */
export const DEV_INSTALLATIONS_KEY = "c3dpdGNoYm9hcmQtZGV2LWluc3RhbGxhdGlvbnMta2V5LTMyYg==";
/** Turns the operator endpoints on in dev, so `switchboard inspect --dev` and the playground's Gateway start work. */
export const DEV_ADMIN_TOKEN = "switchboard-dev-admin-token-not-a-secret";

export function devVars(emulatorUrl = `http://${DEV_EMULATOR_HOST}:${DEV_EMULATOR_PORT}`): Record<string, string> {
  return {
    BOT_NAME: DEV_BOT_NAME,
    // The embedded models answer at once; paced, the playground shows answers growing.
    EMBEDDED_STREAM_PACE_MS: "40",
    AGENT_INSPECTOR: "true",
    ADMIN_TOKEN: DEV_ADMIN_TOKEN,
    GITHUB_WEBHOOK_SECRET: DEV_GITHUB_WEBHOOK_SECRET,
    GITHUB_TOKEN: DEV_GITHUB_TOKEN,
    GITHUB_API_URL: `${emulatorUrl}/github`,
    SLACK_SIGNING_SECRET: DEV_SLACK.signingSecret,
    SLACK_BOT_TOKEN: DEV_SLACK.token,
    SLACK_BOT_USER_ID: DEV_SLACK.botUserId,
    SLACK_API_URL: `${emulatorUrl}/slack/`,
    // Installs into more workspaces through /oauth/slack/install, with the emulator's consent page.
    SLACK_CLIENT_ID: DEV_SLACK_OAUTH.clientId,
    SLACK_CLIENT_SECRET: DEV_SLACK_OAUTH.clientSecret,
    SLACK_AUTHORIZE_URL: `${emulatorUrl}/slack/oauth/v2/authorize`,
    INSTALLATIONS_KEY: DEV_INSTALLATIONS_KEY,
    DISCORD_PUBLIC_KEY: DEV_DISCORD.publicKey,
    DISCORD_BOT_TOKEN: DEV_DISCORD.token,
    DISCORD_APPLICATION_ID: DEV_DISCORD.applicationId,
    DISCORD_API_URL: `${emulatorUrl}/discord/api/v10`,
    DISCORD_GATEWAY_URL: `${emulatorUrl.replace(/^http/, "ws")}/discord/gateway`,
    LINEAR_WEBHOOK_SECRET: DEV_LINEAR.webhookSecret,
    LINEAR_API_KEY: DEV_LINEAR.apiKey,
    LINEAR_BOT_USER_ID: DEV_LINEAR.botUserId,
    LINEAR_API_URL: `${emulatorUrl}/linear/graphql`,
    TICKET_TRACKERS: DEV_TICKET_TRACKERS,
  };
}

/** KEY=value lines, optionally quoted, `#` comments; the subset of dotenv wrangler reads. */
export function parseDotenv(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match) continue;
    let value = match[2]!;
    if (/^"(.*)"$/s.test(value)) value = JSON.parse(value) as string;
    else if (/^'(.*)'$/s.test(value)) value = value.slice(1, -1);
    else value = value.startsWith("#") ? "" : value.replace(/\s+#.*$/, "");
    vars[match[1]!] = value;
  }
  return vars;
}

/** Dev defaults, then the project's `.dev.vars` on top. */
export function resolveDevVars(root: string, emulatorUrl?: string): { vars: Record<string, string>; overridden: string[] } {
  const path = join(root, ".dev.vars");
  // An empty value (as in a fresh copy of .dev.vars.example) means "not set", not "set to nothing".
  const local = Object.fromEntries(
    Object.entries(existsSync(path) ? parseDotenv(readFileSync(path, "utf8")) : {}).filter(([, value]) => value !== ""),
  );
  return { vars: { ...devVars(emulatorUrl), ...local }, overridden: Object.keys(local) };
}
