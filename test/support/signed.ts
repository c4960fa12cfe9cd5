// Posts exact bytes to the Worker, signed with each platform's real algorithm and the test
// secrets: bodies that are not UTF-8 are signed byte for byte, as a platform would sign them.
import { exports } from "cloudflare:workers";
import { concatBytes } from "../../src/crypto.ts";
import { linearSignature } from "../../channels/linear/verify.ts";
import { slackSignature } from "../../channels/slack/verify.ts";
import { importSeed } from "../../dev/discord-events.ts";
import { hmacSha256Key, toHex } from "../../src/crypto.ts";
import { TEST_DISCORD_KEY_SEED, TEST_GITHUB_WEBHOOK_SECRET, TEST_LINEAR_WEBHOOK_SECRET, TEST_SLACK_SIGNING_SECRET } from "../env.ts";

export type Route =
  | { platform: "slack"; path: "events" | "interactions" | "commands" }
  | { platform: "github"; event: string; delivery: string }
  | { platform: "linear"; delivery: string }
  | { platform: "discord" };

const JSON_TYPE = "application/json";
const FORM_TYPE = "application/x-www-form-urlencoded";
let discordKey: Promise<CryptoKey> | undefined;

export async function signedHeaders(route: Route, body: Uint8Array): Promise<Record<string, string>> {
  const seconds = Math.floor(Date.now() / 1000);
  switch (route.platform) {
    case "slack":
      return {
        "content-type": route.path === "events" ? JSON_TYPE : FORM_TYPE,
        "x-slack-request-timestamp": String(seconds),
        "x-slack-signature": await slackSignature(TEST_SLACK_SIGNING_SECRET, seconds, body),
      };
    case "github":
      return {
        "content-type": JSON_TYPE,
        "x-github-event": route.event,
        "x-github-delivery": route.delivery,
        "x-hub-signature-256": `sha256=${toHex(await crypto.subtle.sign("HMAC", await hmacSha256Key(TEST_GITHUB_WEBHOOK_SECRET, "sign"), body))}`,
      };
    case "linear":
      return { "content-type": JSON_TYPE, "linear-delivery": route.delivery, "linear-signature": await linearSignature(TEST_LINEAR_WEBHOOK_SECRET, body) };
    case "discord": {
      discordKey ??= importSeed(TEST_DISCORD_KEY_SEED);
      const signature = await crypto.subtle.sign("Ed25519", await discordKey, concatBytes(new TextEncoder().encode(String(seconds)), body));
      return { "content-type": JSON_TYPE, "x-signature-ed25519": toHex(signature), "x-signature-timestamp": String(seconds) };
    }
  }
}

export function routePath(route: Route): string {
  switch (route.platform) {
    case "slack":
      return `/webhooks/slack/${route.path}`;
    case "github":
      return "/webhooks/github";
    case "linear":
      return "/webhooks/linear";
    case "discord":
      return "/webhooks/discord/interactions";
  }
}

/** POSTs `body` to the Worker as the platform would, byte for byte. */
export async function postSigned(route: Route, body: Uint8Array): Promise<Response> {
  const headers = await signedHeaders(route, body);
  return exports.default.fetch(new Request(`https://switchboard.test${routePath(route)}`, { method: "POST", headers, body }));
}

