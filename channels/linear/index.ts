import { defineChannel } from "../../src/channel.ts";
import { ensureBotUserId } from "./client.ts";
import { LinearConfig } from "./config.ts";
import { interpretLinear } from "./normalize.ts";
import { linearOutbound } from "./outbound.ts";
import { LinearTarget } from "./target.ts";
import { verifyLinearSignature } from "./verify.ts";

export const linear = defineChannel({
  name: "linear",
  enabledBy: "LINEAR_WEBHOOK_SECRET",
  config: LinearConfig,
  routes: [
    {
      path: "/webhooks/linear",
      contentTypes: ["application/json"],
      async verify(request, config) {
        const verdict = await verifyLinearSignature(request, config.webhookSecret);
        // Normalizing needs the bot's user id; without LINEAR_BOT_USER_ID it is looked up once
        // (`viewer`) here, after the signature holds, so no unsigned request can cause API calls.
        if (verdict.ok) await ensureBotUserId(config);
        return verdict;
      },
      interpret: interpretLinear,
    },
  ],
  target: LinearTarget,
  outbound: linearOutbound,
});
