import { defineChannel } from "../../src/channel.ts";
import { installationsHealth } from "../../src/installations/health.ts";
import { GitHubConfig } from "./config.ts";
import { githubInstallRoutes } from "./install.ts";
import { interpretGitHub } from "./normalize.ts";
import { githubOutbound } from "./outbound.ts";
import { GitHubTarget } from "./target.ts";
import { verifyGitHubSignature } from "./verify.ts";

export const github = defineChannel({
  name: "github",
  enabledBy: "GITHUB_WEBHOOK_SECRET",
  config: GitHubConfig,
  routes: [
    {
      path: "/webhooks/github",
      contentTypes: ["application/json"],
      verify: (request, config) => verifyGitHubSignature(request, config.webhookSecret),
      interpret: interpretGitHub,
    },
  ],
  target: GitHubTarget,
  outbound: githubOutbound,
  installations: {
    store: (config) => config.install?.store,
    of: (target) => (target.installationId === undefined ? undefined : String(target.installationId)),
    // An App mints a token for any installation; one it has no record of predates the records.
    answersUnknown: () => true,
    routes: githubInstallRoutes,
  },
  health: installationsHealth,
});
