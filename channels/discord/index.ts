import { defineChannel } from "../../src/channel.ts";
import { discordGatewayAdmin, gatewayHealth } from "./admin.ts";
import { DiscordConfig } from "./config.ts";
import { interpretInteraction } from "./normalize.ts";
import { discordOutbound } from "./outbound.ts";
import { DiscordTarget } from "./target.ts";
import { verifyDiscordSignature } from "./verify.ts";


export const discord = defineChannel({
  name: "discord",
  enabledBy: "DISCORD_PUBLIC_KEY",
  config: DiscordConfig,
  routes: [
    {
      path: "/webhooks/discord/interactions",
      contentTypes: ["application/json"],
      verify: (request, config) => verifyDiscordSignature(request, config.publicKey),
      interpret: interpretInteraction,
    },
  ],
  target: DiscordTarget,
  outbound: discordOutbound,
  operations: { path: "/discord/gateway", fetch: discordGatewayAdmin.fetch },
  health: gatewayHealth,
});
