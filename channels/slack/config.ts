import { z } from "zod";
import { listVariable } from "../../src/config.ts";

export const SLACK_API_DEFAULT = "https://slack.com/api/";

export interface SlackConfig {
  readonly botName: string;
  readonly signingSecret: string;
  readonly botToken: string;
  /** Web API root, always ending in "/" (the emulator in development and tests). */
  readonly apiUrl: string;
  /** Workspace (team) ids the bot answers in; empty means every workspace that installed it. */
  readonly teamAllowlist: readonly string[];
  /**
   * The bot's user id, for payloads that do not carry `authorizations` (slash commands,
   * interactivity). Events carry it per workspace, which wins: it differs between workspaces.
   */
  readonly botUserId?: string;
}

export const SlackConfig: z.ZodType<SlackConfig> = z
  .object({
    BOT_NAME: z.string().min(1),
    SLACK_SIGNING_SECRET: z.string().min(1),
    SLACK_BOT_TOKEN: z.string().regex(/^xox[a-z]-/, "must be a bot token (xoxb-…)"),
    SLACK_API_URL: z.url().default(SLACK_API_DEFAULT),
    SLACK_TEAM_ALLOWLIST: listVariable,
    SLACK_BOT_USER_ID: z.string().regex(/^[UW][A-Z0-9]+$/, "must be a Slack user id (U…)").optional(),
  })
  .transform((env) => ({
    botName: env.BOT_NAME,
    signingSecret: env.SLACK_SIGNING_SECRET,
    botToken: env.SLACK_BOT_TOKEN,
    apiUrl: env.SLACK_API_URL.replace(/\/*$/, "/"),
    teamAllowlist: env.SLACK_TEAM_ALLOWLIST.map((team) => team.toUpperCase()),
    ...(env.SLACK_BOT_USER_ID ? { botUserId: env.SLACK_BOT_USER_ID } : {}),
  }));
