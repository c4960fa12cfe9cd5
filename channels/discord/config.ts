import { z } from "zod";
import { listVariable } from "../../src/config.ts";
import { ELEVATED_PERMISSION_NAMES, type ElevatedPermission } from "./permissions.ts";

export interface DiscordConfig {
  /** Hex Ed25519 public key from the Developer Portal (General Information). */
  readonly publicKey: string;
  readonly botToken: string;
  readonly applicationId: string;
  /** The bot user's id; for applications created in the Developer Portal it equals the application id. */
  readonly botUserId: string;
  /** Roles whose mention addresses the bot (e.g. the bot's managed role, or a "@triage" role). */
  readonly mentionRoleIds: readonly string[];
  /** Guilds (servers) the bot answers in; empty means all. DMs are always answered. */
  readonly guildAllowlist: readonly string[];
  /** REST root without the version, as @discordjs/rest wants it (`https://discord.com/api`). */
  readonly apiBase: string;
  readonly apiVersion: string;
  readonly gatewayUrl: string;
  /** How often the Gateway object's alarm checks the connection. */
  readonly superviseMs: number;
  /** Roles whose members may approve the bot's tool calls, besides holders of `approverPermission`. */
  readonly approverRoleIds: readonly string[];
  /** The permission that lets someone approve (administrators always may). */
  readonly approverPermission: ElevatedPermission;
}

const snowflake = z.string().regex(/^\d{15,21}$/, "must be a Discord snowflake id (digits)");

export const DiscordConfig: z.ZodType<DiscordConfig> = z
  .object({
    DISCORD_PUBLIC_KEY: z.string().regex(/^[0-9a-fA-F]{64}$/, "must be the 64-character hex public key from the Developer Portal"),
    DISCORD_BOT_TOKEN: z.string().min(1),
    DISCORD_APPLICATION_ID: snowflake,
    DISCORD_BOT_USER_ID: snowflake.optional(),
    DISCORD_MENTION_ROLE_IDS: listVariable,
    DISCORD_GUILD_ALLOWLIST: listVariable,
    DISCORD_API_URL: z.url().default("https://discord.com/api/v10"),
    DISCORD_GATEWAY_URL: z
      .string()
      .regex(/^wss?:\/\/[^\s]+$/, "must be a ws:// or wss:// URL")
      .default("wss://gateway.discord.gg"),
    DISCORD_GATEWAY_SUPERVISE_MS: z.coerce.number().int().min(200).max(300_000).default(30_000),
    DISCORD_APPROVER_ROLES: listVariable.pipe(z.array(snowflake)),
    DISCORD_APPROVER_PERMISSION: z.enum(ELEVATED_PERMISSION_NAMES).default("MANAGE_GUILD"),
  })
  .transform((env) => {
    const url = env.DISCORD_API_URL.replace(/\/+$/, "");
    const versioned = /^(.*)\/v(\d+)$/.exec(url);
    return {
      publicKey: env.DISCORD_PUBLIC_KEY.toLowerCase(),
      botToken: env.DISCORD_BOT_TOKEN,
      applicationId: env.DISCORD_APPLICATION_ID,
      botUserId: env.DISCORD_BOT_USER_ID ?? env.DISCORD_APPLICATION_ID,
      mentionRoleIds: env.DISCORD_MENTION_ROLE_IDS,
      guildAllowlist: env.DISCORD_GUILD_ALLOWLIST,
      apiBase: versioned ? versioned[1]! : url,
      apiVersion: versioned ? versioned[2]! : "10",
      gatewayUrl: env.DISCORD_GATEWAY_URL.replace(/\/+$/, ""),
      superviseMs: env.DISCORD_GATEWAY_SUPERVISE_MS,
      approverRoleIds: env.DISCORD_APPROVER_ROLES,
      approverPermission: env.DISCORD_APPROVER_PERMISSION,
    };
  });

export function guildAllowed(config: DiscordConfig, guildId: string | undefined): boolean {
  return guildId === undefined || config.guildAllowlist.length === 0 || config.guildAllowlist.includes(guildId);
}
