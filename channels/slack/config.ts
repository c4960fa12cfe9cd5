import { z } from "zod";
import { listVariable } from "../../src/config.ts";
import { installationStore, InstallationsEnv, type InstallationStore } from "../../src/installations/store.ts";

export const SLACK_API_DEFAULT = "https://slack.com/api/";
export const SLACK_AUTHORIZE_DEFAULT = "https://slack.com/oauth/v2/authorize";

/** The OAuth v2 install flow (`/oauth/slack/install`), set up by SLACK_CLIENT_ID and SLACK_CLIENT_SECRET. */
export interface SlackInstall {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Slack's consent page (the emulator's in development and tests). */
  readonly authorizeUrl: string;
  readonly store: InstallationStore;
  /** INSTALLATIONS_KEY: signs the install's `state`. */
  readonly secret: string;
}

export interface SlackConfig {
  readonly botName: string;
  readonly signingSecret: string;
  /** A token in a secret: the single-tenant setup, and the fallback for workspaces without an installation. */
  readonly botToken?: string;
  /** Per-workspace installs, when set up: each workspace is answered with its own token. */
  readonly install?: SlackInstall;
  /** Web API root, always ending in "/" (the emulator in development and tests). */
  readonly apiUrl: string;
  /** Workspace (team) ids the bot answers in; empty means every workspace that installed it. */
  readonly teamAllowlist: readonly string[];
  /**
   * The bot's user id, for payloads that do not carry `authorizations` (slash commands,
   * interactivity). Events carry it per workspace, which wins: it differs between workspaces.
   */
  readonly botUserId?: string;
  /**
   * Who may approve the bot's tool calls: user ids (U…) and user group ids (S…). Empty means the
   * workspace's admins and owners.
   */
  readonly approvers: readonly string[];
}

export const SlackConfig: z.ZodType<SlackConfig> = z
  .object({
    BOT_NAME: z.string().min(1),
    SLACK_SIGNING_SECRET: z.string().min(1),
    SLACK_BOT_TOKEN: z.string().regex(/^xox[a-z]-/, "must be a bot token (xoxb-…)").optional(),
    SLACK_CLIENT_ID: z.string().regex(/^\d+\.\d+$/, "must be the app's Client ID (digits.digits)").optional(),
    SLACK_CLIENT_SECRET: z.string().min(1).optional(),
    SLACK_AUTHORIZE_URL: z.url().default(SLACK_AUTHORIZE_DEFAULT),
    ...InstallationsEnv,
    SLACK_API_URL: z.url().default(SLACK_API_DEFAULT),
    SLACK_TEAM_ALLOWLIST: listVariable,
    SLACK_BOT_USER_ID: z.string().regex(/^[UW][A-Z0-9]+$/, "must be a Slack user id (U…)").optional(),
    SLACK_APPROVERS: listVariable.pipe(z.array(z.string().regex(/^[UWS][A-Z0-9]+$/, "must list Slack user ids (U…) or user group ids (S…)"))),
  })
  .superRefine((env, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (!env.SLACK_CLIENT_ID) {
      if (!env.SLACK_BOT_TOKEN) problem("SLACK_BOT_TOKEN", "set SLACK_BOT_TOKEN (one workspace), or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (installs through /oauth/slack/install)");
      return;
    }
    if (!env.SLACK_CLIENT_SECRET) problem("SLACK_CLIENT_SECRET", "required with SLACK_CLIENT_ID");
    if (!env.INSTALLATIONS_KEY) problem("INSTALLATIONS_KEY", "required with SLACK_CLIENT_ID: it seals the workspaces' tokens (openssl rand -base64 32)");
    if (!env.INSTALLATIONS || !env.INSTALLATION_INDEX) problem("INSTALLATIONS", "the Durable Object bindings INSTALLATIONS and INSTALLATION_INDEX are missing from wrangler.toml");
  })
  .transform((env) => ({
    botName: env.BOT_NAME,
    signingSecret: env.SLACK_SIGNING_SECRET,
    ...(env.SLACK_BOT_TOKEN ? { botToken: env.SLACK_BOT_TOKEN } : {}),
    ...(env.SLACK_CLIENT_ID
      ? {
          install: {
            clientId: env.SLACK_CLIENT_ID,
            clientSecret: env.SLACK_CLIENT_SECRET!,
            authorizeUrl: env.SLACK_AUTHORIZE_URL,
            store: installationStore("slack", env)!,
            secret: env.INSTALLATIONS_KEY!,
          },
        }
      : {}),
    apiUrl: env.SLACK_API_URL.replace(/\/*$/, "/"),
    teamAllowlist: env.SLACK_TEAM_ALLOWLIST.map((team) => team.toUpperCase()),
    ...(env.SLACK_BOT_USER_ID ? { botUserId: env.SLACK_BOT_USER_ID } : {}),
    approvers: env.SLACK_APPROVERS,
  }));
