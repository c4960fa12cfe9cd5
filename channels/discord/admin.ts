import { Hono, type Context } from "hono";
import { toHex } from "../../src/crypto.ts";
import { DiscordConfig } from "./config.ts";
import type { GatewayStatus } from "./gateway-object.ts";

/**
 * The operator's bearer for the Gateway endpoints: hex SHA-256 of "switchboard-gateway:" + the
 * bot token. Whoever holds the bot token can compute it; the token itself never travels.
 *   printf 'switchboard-gateway:%s' "$DISCORD_BOT_TOKEN" | sha256sum | cut -d' ' -f1
 */
export async function gatewayAdminToken(botToken: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`switchboard-gateway:${botToken}`)));
}

/** The bot's one Gateway object, named by its application id. */
export function gatewayStub(env: Env, config: DiscordConfig) {
  return env.DISCORD_GATEWAY.getByName(config.applicationId);
}

/** For /health: the connection's state, or why it is unknown. */
export async function gatewayHealth(env: Env, config: DiscordConfig): Promise<{ gateway: GatewayStatus | { state: "unknown"; error: string } }> {
  try {
    return { gateway: await gatewayStub(env, config).status() };
  } catch {
    return { gateway: { state: "unknown", error: "the gateway object did not answer" } };
  }
}

type AppEnv = { Bindings: Env; Variables: { config: DiscordConfig } };

/**
 * `POST /discord/gateway/start`, `POST /discord/gateway/stop`, `GET /discord/gateway/status`,
 * each with `Authorization: Bearer <gatewayAdminToken>`.
 */
export const discordGatewayAdmin = new Hono<AppEnv>();

discordGatewayAdmin.use("*", async (c, next) => {
  const config = DiscordConfig.safeParse(c.env);
  if (!config.success) return c.json({ error: "the discord channel is not enabled" }, 404);
  const given = /^Bearer\s+([0-9a-f]{64})$/i.exec(c.req.header("authorization") ?? "")?.[1]?.toLowerCase();
  if (!given || !(await sameDigest(given, await gatewayAdminToken(config.data.botToken)))) {
    return c.json({ error: "unauthorized" }, 401, { "www-authenticate": 'Bearer realm="discord-gateway"' });
  }
  c.set("config", config.data);
  await next();
});

const configOf = (c: Context<AppEnv>) => c.get("config");

discordGatewayAdmin.post("/start", async (c) => c.json(await gatewayStub(c.env, configOf(c)).start()));
discordGatewayAdmin.post("/stop", async (c) => c.json(await gatewayStub(c.env, configOf(c)).stop()));
discordGatewayAdmin.get("/status", async (c) => c.json(await gatewayStub(c.env, configOf(c)).status()));

/** Compares two hex strings by their digests, so timing reveals nothing about either. */
async function sameDigest(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([a, b].map((s) => crypto.subtle.digest("SHA-256", new TextEncoder().encode(s))));
  const left = new Uint8Array(x!);
  const right = new Uint8Array(y!);
  let diff = 0;
  for (let i = 0; i < left.length; i++) diff |= left[i]! ^ right[i]!;
  return diff === 0;
}

