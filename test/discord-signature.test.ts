import { describe, expect, it } from "vitest";
import { verifyDiscordSignature } from "../channels/discord/verify.ts";
import type { InboundRequest } from "../src/channel.ts";
import { listConversations } from "./support/agents.ts";
import { postInteraction, signDiscord } from "./support/discord.ts";

const ping = JSON.stringify({ id: "1457536583141163186", application_id: "1457469483726668048", type: 1, token: "t", version: 1 });

async function keyPair() {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const raw = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  return { privateKey: pair.privateKey, publicHex: Array.from(raw, (b) => b.toString(16).padStart(2, "0")).join("") };
}

function request(body: string, headers: Record<string, string>, now: number): InboundRequest {
  return { body: new TextEncoder().encode(body), text: body, headers: new Headers(headers), now };
}

describe("Discord signature verification (pure, with a key pair generated here)", () => {
  it("accepts Discord's signature and refuses every tampering, stale and future timestamps, and another key", async () => {
    const { privateKey, publicHex } = await keyPair();
    const other = await keyPair();
    const now = 1_767_574_193_000;
    const at = Math.floor(now / 1000);
    const headers = await signDiscord(ping, { key: privateKey, timestamp: at });
    expect(await verifyDiscordSignature(request(ping, headers, now), publicHex)).toEqual({ ok: true });
    expect(await verifyDiscordSignature(request(ping.replace('"type":1', '"type":2'), headers, now), publicHex)).toEqual({ ok: false, reason: "bad-signature" });
    expect(await verifyDiscordSignature(request(ping, { ...headers, "x-signature-timestamp": String(at + 1) }, now), publicHex)).toEqual({ ok: false, reason: "bad-signature" });
    expect(await verifyDiscordSignature(request(ping, headers, now), other.publicHex)).toEqual({ ok: false, reason: "bad-signature" });
    // Correctly signed, but replayed six minutes later, or claiming to come from ten minutes ahead.
    expect(await verifyDiscordSignature(request(ping, headers, now + 6 * 60_000), publicHex)).toEqual({ ok: false, reason: "stale-timestamp" });
    const future = await signDiscord(ping, { key: privateKey, timestamp: at + 600 });
    expect(await verifyDiscordSignature(request(ping, future, now), publicHex)).toEqual({ ok: false, reason: "future-timestamp" });
    expect(await verifyDiscordSignature(request(ping, { "content-type": "application/json" }, now), publicHex)).toEqual({ ok: false, reason: "missing-signature" });
    expect(await verifyDiscordSignature(request(ping, { ...headers, "x-signature-ed25519": "zz".repeat(64) }, now), publicHex)).toEqual({ ok: false, reason: "malformed-signature" });
  });
});

describe("POST /webhooks/discord/interactions", () => {
  it("answers PING with PONG when signed with the application's key", async () => {
    const response = await postInteraction(ping);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ type: 1 });
  });

  it("401s a tampered body, a tampered timestamp, a stale or future timestamp and a wrong key, creating nothing", async () => {
    const before = await listConversations();
    const now = Math.floor(Date.now() / 1000);
    const wrongKey = (await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"])) as CryptoKeyPair;
    const signed = await signDiscord(ping);
    const cases = {
      "tampered body": await postInteraction(ping, { send: ping.replace('"t"', '"u"') }),
      "tampered timestamp": await postInteraction(ping, { headers: { "x-signature-timestamp": String(Number(signed["x-signature-timestamp"]) - 1) } }),
      stale: await postInteraction(ping, { timestamp: now - 301 }),
      future: await postInteraction(ping, { timestamp: now + 600 }),
      "wrong key": await postInteraction(ping, { key: wrongKey.privateKey }),
    };
    for (const [name, response] of Object.entries(cases)) {
      expect(response.status, name).toBe(401);
      expect(JSON.stringify(await response.json()), name).not.toMatch(/[0-9a-f]{64}/);
    }
    expect(await listConversations()).toBe(before);
  });

  it("a signed body that is not an interaction is 400, never 5xx; a wrong content type is 415", async () => {
    expect((await postInteraction("{not json")).status).toBe(400);
    expect((await postInteraction({ hello: "world" })).status).toBe(400);
    expect((await postInteraction({ id: "1", application_id: "999999999999999999", type: 2, token: "x" })).status).toBe(400);
    expect((await postInteraction(ping, { headers: { "content-type": "text/plain" } })).status).toBe(415);
  });
});
