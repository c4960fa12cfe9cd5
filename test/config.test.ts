import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { channels } from "../channels/index.ts";
import { ConfigError, loadConfig } from "../src/config.ts";
import {
  TEST_DISCORD_BOT_TOKEN,
  TEST_GITHUB_TOKEN,
  TEST_GITHUB_WEBHOOK_SECRET,
  TEST_LINEAR_API_KEY,
  TEST_LINEAR_WEBHOOK_SECRET,
  TEST_SLACK_BOT_TOKEN,
  TEST_SLACK_SIGNING_SECRET,
} from "./env.ts";

describe("configuration and /health", () => {
  it("/health lists enabled channels and never a secret", async () => {
    const response = await exports.default.fetch("https://switchboard.test/health");
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ ok: true, bot: "switchboard", model: "embedded" });
    expect(JSON.parse(text).enabled.sort()).toEqual(["discord", "github", "linear", "slack"]);
    for (const secret of [
      TEST_GITHUB_TOKEN,
      TEST_GITHUB_WEBHOOK_SECRET,
      TEST_SLACK_SIGNING_SECRET,
      TEST_SLACK_BOT_TOKEN,
      TEST_DISCORD_BOT_TOKEN,
      TEST_LINEAR_WEBHOOK_SECRET,
      TEST_LINEAR_API_KEY,
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it("names each missing or malformed variable of an enabled channel, never its value", () => {
    const secretValue = "super-secret-value-123";
    const config = loadConfig(
      { BOT_NAME: "bot", GITHUB_WEBHOOK_SECRET: secretValue, GITHUB_APP_ID: "12x", GITHUB_API_URL: "not a url" },
      channels,
    );
    expect(config.channels.has("github")).toBe(false);
    const problems = config.status.github!.problems.join("\n");
    expect(problems).toMatch(/GITHUB_APP_ID: must be the numeric App ID/);
    expect(problems).toMatch(/GITHUB_API_URL/);
    expect(problems).toMatch(/GITHUB_PRIVATE_KEY: set GITHUB_TOKEN, or GITHUB_APP_ID and GITHUB_PRIVATE_KEY/);
    expect(JSON.stringify(config.status)).not.toContain(secretValue);
  });

  it("a channel without its webhook secret is simply disabled", () => {
    const config = loadConfig({ BOT_NAME: "bot" }, channels);
    expect(config.status.github).toEqual({ enabled: false, problems: ["GITHUB_WEBHOOK_SECRET: not set"] });
  });

  it("bad core settings throw a ConfigError naming the variable", () => {
    expect(() => loadConfig({ BOT_NAME: "@bot name", MAX_BODY_BYTES: "lots" }, channels)).toThrowError(ConfigError);
    try {
      loadConfig({ BOT_NAME: "@bot name", MAX_BODY_BYTES: "lots" }, channels);
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        "BOT_NAME: must be the bot's @-handle, without the @",
        "MAX_BODY_BYTES: Invalid input: expected number, received NaN",
      ]);
    }
  });

  it("accepts a GitHub App instead of a token, PEM newlines escaped or not", () => {
    const pem = "-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----";
    const config = loadConfig({ BOT_NAME: "bot", GITHUB_WEBHOOK_SECRET: "s", GITHUB_APP_ID: "42", GITHUB_PRIVATE_KEY: pem }, channels);
    expect(config.channels.get("github")).toMatchObject({
      auth: { type: "app", appId: "42", privateKey: "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----" },
      apiUrl: "https://api.github.com",
    });
  });
});
