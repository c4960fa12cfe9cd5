import { generateKeyPairSync } from "node:crypto";
import type { TestProject } from "vitest/node";
import { startEmulator } from "../dev/emulator/server.ts";
import { TEST_LINEAR_OAUTH, TEST_SLACK_OAUTH } from "./env.ts";
import { TEST_APP, TEST_BOT_NAME, TEST_DISCORD, TEST_DISCORD_BOT_TOKEN, TEST_GITHUB_TOKEN, TEST_LINEAR, TEST_LINEAR_API_KEY, TEST_SLACK, TEST_SLACK_BOT_TOKEN, TEST_SLACK_PEOPLE } from "./env.ts";
import { loadDiscordFixtures, type DiscordFixture } from "./support/discord-fixtures.ts";
import { loadSlackFixtures, type SlackFixture } from "./support/slack-fixtures.ts";

declare module "vitest" {
  export interface ProvidedContext {
    emulatorUrl: string;
    githubAppKeyPkcs8: string;
    githubAppKeyPkcs1: string;
    /** Every Slack payload recorded in test/fixtures/vercel-chat-replay (about 60 KB). */
    slackFixtures: SlackFixture[];
    /** Every Discord payload recorded in test/fixtures/vercel-chat-replay (about 60 KB). */
    discordFixtures: DiscordFixture[];
  }
}

/** One platform emulator for the whole run; tests reset it between cases. */
export default async function setup(project: TestProject) {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const emulator = await startEmulator({
    github: {
      tokens: [TEST_GITHUB_TOKEN],
      botLogin: TEST_BOT_NAME,
      app: { ...TEST_APP, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() },
    },
    slack: { tokens: [TEST_SLACK_BOT_TOKEN], oauth: TEST_SLACK_OAUTH, ...TEST_SLACK, ...TEST_SLACK_PEOPLE },
    discord: { tokens: [TEST_DISCORD_BOT_TOKEN], applicationId: TEST_DISCORD.applicationId, heartbeatIntervalMs: 1500 },
    linear: { apiKeys: [TEST_LINEAR_API_KEY], botUserId: TEST_LINEAR.botUserId, botName: TEST_BOT_NAME, app: true, organizationId: TEST_LINEAR.organizationId, oauth: TEST_LINEAR_OAUTH },
  });
  project.provide("emulatorUrl", emulator.url);
  project.provide("githubAppKeyPkcs8", privateKey.export({ type: "pkcs8", format: "pem" }).toString());
  project.provide("githubAppKeyPkcs1", privateKey.export({ type: "pkcs1", format: "pem" }).toString());
  project.provide("slackFixtures", loadSlackFixtures());
  project.provide("discordFixtures", loadDiscordFixtures());
  return () => emulator.close();
}
