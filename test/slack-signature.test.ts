import { describe, expect, it } from "vitest";
import type { InboundRequest } from "../src/channel.ts";
import { verifySlackSignature } from "../channels/slack/verify.ts";
import { TEST_SLACK } from "./env.ts";
import { listConversations } from "./support/agents.ts";
import { slackCalls } from "./support/slack.ts";
import { eventCallback, formBody, mentionEvent, postEvent, postSlack, uniqueChannel } from "./support/slack.ts";

// Slack's published example ("Verifying requests from Slack").
const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const TIMESTAMP = 1531420618;
const BODY =
  "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

function request(overrides: { body?: string; signature?: string | null; timestamp?: string | null; now?: number } = {}): InboundRequest {
  const headers = new Headers({ "content-type": "application/x-www-form-urlencoded" });
  const signature = overrides.signature === undefined ? SIGNATURE : overrides.signature;
  const timestamp = overrides.timestamp === undefined ? String(TIMESTAMP) : overrides.timestamp;
  if (signature !== null) headers.set("x-slack-signature", signature);
  if (timestamp !== null) headers.set("x-slack-request-timestamp", timestamp);
  const text = overrides.body ?? BODY;
  return { body: new TextEncoder().encode(text), text, headers, now: overrides.now ?? TIMESTAMP * 1000 };
}

describe("Slack request signatures (pure verifier, injected clock)", () => {
  it("accepts Slack's documented test vector", async () => {
    expect(await verifySlackSignature(request(), SECRET)).toEqual({ ok: true });
  });

  it("accepts up to 300 s of skew either way, and not one second more", async () => {
    expect(await verifySlackSignature(request({ now: (TIMESTAMP + 300) * 1000 }), SECRET)).toEqual({ ok: true });
    expect(await verifySlackSignature(request({ now: (TIMESTAMP - 300) * 1000 }), SECRET)).toEqual({ ok: true });
    expect(await verifySlackSignature(request({ now: (TIMESTAMP + 301) * 1000 }), SECRET)).toEqual({ ok: false, reason: "stale-timestamp" });
    expect(await verifySlackSignature(request({ now: (TIMESTAMP - 301) * 1000 }), SECRET)).toEqual({ ok: false, reason: "future-timestamp" });
  });

  it("rejects a wrong secret, a tampered byte, a changed timestamp, and malformed or missing headers", async () => {
    expect(await verifySlackSignature(request(), "8f742231b10e8888abcd99yyyzzz85a6")).toEqual({ ok: false, reason: "bad-signature" });
    expect(await verifySlackSignature(request({ body: BODY.replace("roadrunner", "roadrunnes") }), SECRET)).toEqual({ ok: false, reason: "bad-signature" });
    expect(await verifySlackSignature(request({ timestamp: String(TIMESTAMP + 1) }), SECRET)).toEqual({ ok: false, reason: "bad-signature" });
    expect(await verifySlackSignature(request({ signature: SIGNATURE.replace("v0=", "v1=") }), SECRET)).toEqual({ ok: false, reason: "malformed-signature" });
    expect(await verifySlackSignature(request({ signature: SIGNATURE.toUpperCase() }), SECRET)).toEqual({ ok: false, reason: "malformed-signature" });
    expect(await verifySlackSignature(request({ signature: null }), SECRET)).toEqual({ ok: false, reason: "missing-signature" });
    expect(await verifySlackSignature(request({ timestamp: null }), SECRET)).toEqual({ ok: false, reason: "missing-timestamp" });
    expect(await verifySlackSignature(request({ timestamp: "1531420618.5" }), SECRET)).toEqual({ ok: false, reason: "missing-timestamp" });
  });
});

describe("Slack webhooks refuse unverifiable requests with 401 and accept nothing", () => {
  const now = () => Math.floor(Date.now() / 1000);

  async function rejected(send: (channel: string) => Promise<Response>, reason: string) {
    const channel = uniqueChannel();
    const before = await listConversations();
    const response = await send(channel);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "unauthorized", reason });
    expect(await listConversations()).toBe(before);
    expect(await slackCalls(channel)).toEqual([]);
  }

  const mention = (channel: string) => eventCallback(mentionEvent(channel, "is the build broken?"));

  it("a timestamp 301 s old", () => rejected((c) => postEvent(mention(c), { timestamp: now() - 301 }), "stale-timestamp"));
  it("a timestamp 301 s in the future", () => rejected((c) => postEvent(mention(c), { timestamp: now() + 301 }), "future-timestamp"));
  it("a signature made with another secret", () => rejected((c) => postEvent(mention(c), { secret: "not-the-signing-secret" }), "bad-signature"));
  it("a bad signature", () =>
    rejected((c) => postEvent(mention(c), { headers: { "x-slack-signature": `v0=${"0".repeat(64)}` } }), "bad-signature"));
  it("no signature at all", () => rejected((c) => postEvent(mention(c), { headers: { "x-slack-signature": null } }), "missing-signature"));
  it("a slash command form body with one byte changed after signing", () =>
    rejected((c) => {
      const body = formBody({
        team_id: TEST_SLACK.teamId,
        channel_id: c,
        user_id: "U0HUMAN001",
        command: "/triage",
        text: "why is CI red",
        response_url: "https://hooks.slack.com/commands/T0SWITCHTST/1/abc",
        trigger_id: "1.2.3",
      });
      return postSlack("commands", body, { sendBody: body.replace("why", "whY") });
    }, "bad-signature"));
  it("a signed event replayed with a fresh timestamp header", () =>
    rejected(async (c) => {
      const body = JSON.stringify(mention(c));
      const { slackSignature } = await import("../channels/slack/verify.ts");
      const old = now() - 1000;
      const signature = await slackSignature("test-slack-signing-secret", old, body);
      return postSlack("events", body, { headers: { "x-slack-signature": signature } });
    }, "bad-signature"));
});
