import { describe, expect, inject, it } from "vitest";
import { GitHubConfig } from "../channels/github/config.ts";
import { githubOutbound } from "../channels/github/outbound.ts";
import { TEST_APP } from "./env.ts";
import { emulatorUrl, recordedCalls } from "./support/emulator.ts";
import { uniqueRepo } from "./support/github.ts";

describe("GitHub App authentication", () => {
  for (const [format, key] of [
    ["PKCS#8", inject("githubAppKeyPkcs8")],
    ["PKCS#1 (what GitHub downloads)", inject("githubAppKeyPkcs1")],
  ] as const) {
    it(`exchanges a ${format} key for an installation token and comments as the App's bot`, async () => {
      const { owner, repo } = uniqueRepo("app");
      const installationId = 900_000 + Math.floor(Math.random() * 1000);
      const config = GitHubConfig.parse({
        BOT_NAME: TEST_APP.slug,
        GITHUB_WEBHOOK_SECRET: "unused",
        GITHUB_APP_ID: String(TEST_APP.id),
        GITHUB_PRIVATE_KEY: key,
        GITHUB_API_URL: `${emulatorUrl}/github`,
      });
      const outbound = githubOutbound({ owner, repo, number: 3, installationId, isPullRequest: false }, config);
      await outbound.reply("first", { idempotencyKey: `${repo}:1`, replay: false });
      await outbound.reply("second", { idempotencyKey: `${repo}:2`, replay: false });

      const tokenRequests = (await recordedCalls("github", `/app/installations/${installationId}/access_tokens`)).filter(
        (call) => call.method === "POST",
      );
      expect(tokenRequests.map((call) => call.status)).toEqual([201]); // cached for the second comment
      const posts = (await recordedCalls("github", `/${repo}/issues/3/comments`)).filter((call) => call.method === "POST");
      expect(posts.map((call) => (call.response as { user: { login: string; type: string } }).user)).toMatchObject([
        { login: `${TEST_APP.slug}[bot]`, type: "Bot" },
        { login: `${TEST_APP.slug}[bot]`, type: "Bot" },
      ]);
      // The emulator redacts credentials; nothing it recorded holds the installation token or the JWT.
      expect(JSON.stringify(posts)).not.toMatch(/ghs_[A-Za-z0-9]{10,}/);
    });
  }
});
