import { Hono, type Context } from "hono";
import { DiscordConfig } from "./config.ts";
import type { GatewayStatus } from "./gateway-object.ts";

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
 * `POST /start`, `POST /stop`, `GET /status` of the Gateway connection. The operator endpoint
 * (src/operator.ts) mounts them at `/operator/discord/gateway` behind `ADMIN_TOKEN`; they only
 * check that the channel is enabled.
 */
export const discordGatewayAdmin = new Hono<AppEnv>();

discordGatewayAdmin.use("*", async (c, next) => {
  const config = DiscordConfig.safeParse(c.env);
  if (!config.success) return c.json({ error: "the discord channel is not enabled" }, 404);
  c.set("config", config.data);
  await next();
});

const configOf = (c: Context<AppEnv>) => c.get("config");

discordGatewayAdmin.post("/start", async (c) => c.json(await gatewayStub(c.env, configOf(c)).start()));
discordGatewayAdmin.post("/stop", async (c) => c.json(await gatewayStub(c.env, configOf(c)).stop()));
discordGatewayAdmin.get("/status", async (c) => c.json(await gatewayStub(c.env, configOf(c)).status()));
