import { defineChannel } from "../../src/channel.ts";
import { GitHubConfig } from "./config.ts";
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
});
