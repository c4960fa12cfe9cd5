import { REST } from "@discordjs/rest";
import { BOT_PERMISSIONS, inviteUrl } from "../../channels/discord/permissions.ts";
import { registerCommands } from "../../channels/discord/register.ts";
import { requireVariable, type Variables } from "../project.ts";

/**
 * Installs the bot's application commands (`/triage`, "Triage this message") with Discord, or the
 * emulator `DISCORD_API_URL` points at. A bulk overwrite: safe to run again. Ends with the link
 * that invites the bot with the permissions it needs.
 */
export async function registerDiscordCommands(variables: Variables, guild?: string): Promise<string> {
  const token = requireVariable(variables, "DISCORD_BOT_TOKEN");
  const applicationId = requireVariable(variables, "DISCORD_APPLICATION_ID");
  const url = (process.env.DISCORD_API_URL || variables.values.DISCORD_API_URL || "https://discord.com/api/v10").replace(/\/+$/, "");
  const versioned = /^(.*)\/v(\d+)$/.exec(url);
  const rest = new REST({ api: versioned ? versioned[1]! : url, version: versioned ? versioned[2]! : "10" }).setToken(token);
  const commands = await registerCommands(rest, applicationId, guild);
  const where = guild ? `server ${guild}` : "all servers (global commands can take up to an hour to appear)";
  const permissions = Object.values(BOT_PERMISSIONS).map((permission) => permission.label).join(", ");
  return [
    `Registered ${commands.map((command) => `"${command.name}"`).join(", ")} for ${where}.`,
    `Invite the bot (${permissions}): ${inviteUrl(applicationId)}`,
  ].join("\n");
}
