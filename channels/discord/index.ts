import { defineChannel } from "../../src/channel.ts";
import { discordGatewayAdmin, gatewayHealth } from "./admin.ts";
import { DiscordConfig } from "./config.ts";
import { interpretInteraction } from "./normalize.ts";
import { discordOutbound } from "./outbound.ts";
import { verifyDiscordSignature } from "./verify.ts";


export const discord = defineChannel<DiscordConfig>({
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
  outbound(target, config) {
    if (target.channel !== "discord") throw new Error(`discord cannot reply to a ${target.channel} target`);
    return discordOutbound(target, config);
  },
  operations: { path: "/discord/gateway", fetch: discordGatewayAdmin.fetch },
  health: gatewayHealth,
});
