// Registers the bot's application commands with Discord (or the local emulator).
//   npm run discord:register [-- --guild GUILD_ID]
// Reads DISCORD_BOT_TOKEN, DISCORD_APPLICATION_ID and DISCORD_API_URL from the environment,
// then from .dev.vars.
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { REST } from "@discordjs/rest";
import { registerCommands } from "../channels/discord/register.ts";
import { parseDotenv } from "../dev/defaults.ts";

const { values } = parseArgs({ options: { guild: { type: "string" } } });
const file = existsSync(".dev.vars") ? parseDotenv(readFileSync(".dev.vars", "utf8")) : {};
const env = (name: string) => process.env[name] ?? file[name];

const token = env("DISCORD_BOT_TOKEN");
const applicationId = env("DISCORD_APPLICATION_ID");
if (!token || !applicationId) {
  console.error("Set DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID (environment or .dev.vars).");
  process.exit(2);
}
const url = (env("DISCORD_API_URL") ?? "https://discord.com/api/v10").replace(/\/+$/, "");
const versioned = /^(.*)\/v(\d+)$/.exec(url);
const rest = new REST({ api: versioned ? versioned[1]! : url, version: versioned ? versioned[2]! : "10" }).setToken(token);

try {
  const commands = await registerCommands(rest, applicationId, values.guild);
  const where = values.guild ? `guild ${values.guild}` : "all servers (global; may take up to an hour to appear)";
  console.log(`Registered ${commands.map((command) => `"${command.name}"`).join(", ")} for ${where}.`);
} catch (error) {
  console.error(`Registration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
