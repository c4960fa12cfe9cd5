// What each platform needs set on its side, for a given Worker URL: the webhook URLs (the
// channels' own routes), and the events, scopes and permissions the channel READMEs and the
// Slack manifest name (test/node/cli-doctor.test.ts holds these lists to those files).
import { BOT_PERMISSIONS } from "../../channels/discord/permissions.ts";
import type { Channel } from "../../src/channel.ts";
import { readSlackManifest } from "./slack-manifest.ts";

export interface ChannelSetup {
  /** The platform setting the URL goes in, and each route's path. */
  readonly urls: readonly { readonly label: string; readonly path: string }[];
  /** Named lists to tick on the platform ("Subscribe to events", "Scopes"…). */
  readonly lists: readonly { readonly label: string; readonly items: readonly string[] }[];
  /** Commands to run once the rest is done. */
  readonly then?: readonly string[];
  readonly guide: string;
}

export const GITHUB_SETUP = {
  events: ["Issues", "Issue comment", "Pull request", "Pull request review comment"],
  permissions: ["Issues: read & write", "Pull requests: read", "Metadata: read"],
};
export const LINEAR_SETUP = {
  categories: ["Agent session events", "App user notifications", "Comments"],
  scopes: ["read", "write", "app:assignable", "app:mentionable"],
};
export const DISCORD_SETUP = {
  scopes: ["bot", "applications.commands"],
  permissions: Object.values(BOT_PERMISSIONS).map((permission) => permission.label),
};

export function channelSetup(root: string, channel: Channel<unknown>, worker: string): ChannelSetup {
  const firstRoute = channel.routes[0]?.path ?? "/webhooks/" + channel.name;
  switch (channel.name) {
    case "github":
      return {
        urls: [{ label: "Webhook URL (GitHub App, or a repository's Settings → Webhooks; content type application/json)", path: firstRoute }],
        lists: [
          { label: "Subscribe to events", items: GITHUB_SETUP.events },
          { label: "Permissions (GitHub App)", items: GITHUB_SETUP.permissions },
        ],
        guide: "channels/github/README.md",
      };
    case "slack": {
      const manifest = readSlackManifest(root);
      return {
        urls: manifest.requestPaths,
        lists: [
          { label: "Bot events", items: manifest.events },
          { label: "Bot token scopes", items: manifest.scopes },
        ],
        then: [`or create the app from channels/slack/manifest.yaml, with YOUR-WORKER.workers.dev replaced by your Worker's host`],
        guide: "channels/slack/README.md",
      };
    }
    case "linear":
      return {
        urls: [{ label: "Webhook URL (OAuth application, or Settings → API → Webhooks)", path: firstRoute }],
        lists: [
          { label: "Webhook categories (Comments optional: see the guide)", items: LINEAR_SETUP.categories },
          { label: "OAuth scopes (install with actor=app)", items: LINEAR_SETUP.scopes },
        ],
        guide: "channels/linear/README.md",
      };
    case "discord":
      return {
        urls: [{ label: "Interactions Endpoint URL (General Information)", path: firstRoute }],
        lists: [
          { label: "OAuth2 scopes", items: DISCORD_SETUP.scopes },
          { label: "Bot permissions", items: DISCORD_SETUP.permissions },
        ],
        then: ["npx switchboard discord register", `npx switchboard discord gateway start --to ${worker}`],
        guide: "channels/discord/README.md",
      };
    default:
      return { urls: channel.routes.map((route) => ({ label: "Webhook URL", path: route.path })), lists: [], guide: `channels/${channel.name}/README.md` };
  }
}

export function formatSetup(name: string, setup: ChannelSetup, worker: string): string {
  const lines = [`${name} (${setup.guide})`];
  for (const url of setup.urls) lines.push(`  ${url.label}: ${worker}${url.path}`);
  for (const list of setup.lists) lines.push(`  ${list.label}: ${list.items.join(", ")}`);
  for (const step of setup.then ?? []) lines.push(`  then: ${step}`);
  return lines.join("\n");
}
