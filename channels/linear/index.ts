import { defineChannel } from "../../src/channel.ts";
import { ensureBotUserId } from "./client.ts";
import { installationsHealth } from "../../src/installations/health.ts";
import { LinearConfig } from "./config.ts";
import { linearInstallRoutes } from "./install.ts";
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
        // Normalizing needs the bot's user id: the organization's app user when it installed the
        // app, else (without LINEAR_BOT_USER_ID) the secret credential's `viewer`, looked up once.
        // Here, after the signature holds, so no unsigned request can cause a lookup.
        if (verdict.ok) await ensureBotUserId(config, organizationOf(request.text));
        return verdict;
      },
      interpret: interpretLinear,
    },
  ],
  target: LinearTarget,
  outbound: linearOutbound,
  installations: {
    store: (config) => config.install?.store,
    of: (target) => target.organizationId,
    answersUnknown: (config) => config.authorization !== undefined,
    routes: linearInstallRoutes,
  },
  health: installationsHealth,
});

/** The delivery's organization id, when its signed body names one (the normalizer checks it properly). */
function organizationOf(text: string): string | undefined {
  try {
    const id = (JSON.parse(text) as { organizationId?: unknown }).organizationId;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}
