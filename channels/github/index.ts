import { defineChannel } from "../../src/channel.ts";
import { GitHubConfig } from "./config.ts";
import { interpretGitHub } from "./normalize.ts";
import { githubOutbound } from "./outbound.ts";
import { verifyGitHubSignature } from "./verify.ts";

export const github = defineChannel<GitHubConfig>({
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
  outbound(target, config) {
    if (target.channel !== "github") throw new Error(`github cannot reply to a ${target.channel} target`);
    return githubOutbound(target, config);
  },
});
