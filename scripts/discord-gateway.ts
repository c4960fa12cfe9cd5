// Starts, stops or shows the bot's Discord Gateway connection on a deployed (or local) Worker.
//   node scripts/discord-gateway.ts start|stop|status [--url https://switchboard.example.workers.dev]
// The bearer is derived from DISCORD_BOT_TOKEN (environment or .dev.vars); the token is not sent.
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { gatewayAdminToken } from "../channels/discord/admin.ts";
import { parseDotenv } from "../dev/defaults.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { url: { type: "string", default: "http://127.0.0.1:8787" } },
});
const action = positionals[0];
if (action !== "start" && action !== "stop" && action !== "status") {
  console.error("usage: node scripts/discord-gateway.ts start|stop|status [--url WORKER_URL]");
  process.exit(2);
}
const file = existsSync(".dev.vars") ? parseDotenv(readFileSync(".dev.vars", "utf8")) : {};
const token = process.env.DISCORD_BOT_TOKEN ?? file.DISCORD_BOT_TOKEN;
if (!token) {
  console.error("Set DISCORD_BOT_TOKEN (environment or .dev.vars).");
  process.exit(2);
}
const response = await fetch(`${values.url!.replace(/\/+$/, "")}/discord/gateway/${action}`, {
  method: action === "status" ? "GET" : "POST",
  headers: { authorization: `Bearer ${await gatewayAdminToken(token)}` },
});
console.log(response.status, JSON.stringify(await response.json(), null, 2));
process.exit(response.ok ? 0 : 1);
