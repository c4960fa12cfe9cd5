import type { InboundRequest, WebhookRoute } from "../../src/channel.ts";
import { defineChannel } from "../../src/channel.ts";
import { SlackConfig } from "./config.ts";
import { slackInstallRoutes } from "./install.ts";
import { interpretCommand, interpretEvents, interpretInteraction } from "./normalize.ts";
import { slackOutbound } from "./outbound.ts";
import { SlackTarget } from "./target.ts";
import { installationsHealth } from "../../src/installations/health.ts";
import { verifySlackSignature } from "./verify.ts";

const FORM = "application/x-www-form-urlencoded";

const verify = (request: InboundRequest, config: SlackConfig) => verifySlackSignature(request, config.signingSecret);

/** Slack's unsigned `ssl_check=1` probe (sent to command URLs): answered 200, nothing else. */
function sslCheck(request: InboundRequest) {
  if (request.headers.get("x-slack-signature")) return null;
  return new URLSearchParams(request.text).get("ssl_check") === "1" ? { type: "respond" as const, status: 200 as const, body: {} } : null;
}

const routes: WebhookRoute<SlackConfig>[] = [
  { path: "/webhooks/slack/events", contentTypes: ["application/json"], verify, interpret: interpretEvents },
  { path: "/webhooks/slack/commands", contentTypes: [FORM], preflight: sslCheck, verify, interpret: interpretCommand },
  { path: "/webhooks/slack/interactions", contentTypes: [FORM], preflight: sslCheck, verify, interpret: interpretInteraction },
];

export const slack = defineChannel({
  name: "slack",
  enabledBy: "SLACK_SIGNING_SECRET",
  config: SlackConfig,
  routes,
  target: SlackTarget,
  outbound: slackOutbound,
  installations: {
    store: (config) => config.install?.store,
    of: (target) => target.teamId,
    answersUnknown: (config) => config.botToken !== undefined,
    routes: slackInstallRoutes,
  },
  health: installationsHealth,
});
