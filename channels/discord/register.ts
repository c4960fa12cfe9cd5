import type { REST } from "@discordjs/rest";
import type { RESTPutAPIApplicationCommandsResult } from "discord-api-types/v10";
import { COMMANDS } from "./commands.ts";

/**
 * Installs `/triage` and the message command "Triage this message" (a bulk overwrite, so it is
 * safe to run again). Guild commands appear at once; global ones can take up to an hour.
 */
export async function registerCommands(rest: REST, applicationId: string, guildId?: string): Promise<RESTPutAPIApplicationCommandsResult> {
  const route = guildId ? `/applications/${applicationId}/guilds/${guildId}/commands` : `/applications/${applicationId}/commands`;
  return (await rest.put(route as `/${string}`, { body: COMMANDS })) as RESTPutAPIApplicationCommandsResult;
}
