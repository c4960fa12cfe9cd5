import { describe, expect, it } from "vitest";
import { linearSignature, verifyLinearSignature } from "../channels/linear/verify.ts";
import type { InboundRequest } from "../src/channel.ts";
import { listConversations } from "./support/agents.ts";
import { HUMAN, issueWebhook, postLinear, seedIssue, seedTeam } from "./support/linear.ts";

const SECRET = "lin_wh_unit_secret";
const NOW = 1_790_000_000_000;

function request(text: string, signature: string | null, now = NOW): InboundRequest {
  const headers = new Headers(signature === null ? {} : { "linear-signature": signature });
  return { body: new TextEncoder().encode(text), text, headers, now };
}

describe("Linear webhook signature and freshness (pure verifier)", () => {
  const body = JSON.stringify({ type: "Issue", action: "update", webhookTimestamp: NOW - 1000 });

  it("accepts a bare-hex HMAC-SHA256 of the exact body with a fresh webhookTimestamp", async () => {
    expect(await verifyLinearSignature(request(body, await linearSignature(SECRET, body)), SECRET)).toEqual({ ok: true });
  });

  it("rejects a body changed after signing, and another secret's signature", async () => {
    const signature = await linearSignature(SECRET, body);
    expect(await verifyLinearSignature(request(body.replace("update", "create"), signature), SECRET)).toEqual({ ok: false, reason: "bad-signature" });
    expect(await verifyLinearSignature(request(body, await linearSignature("other", body)), SECRET)).toEqual({ ok: false, reason: "bad-signature" });
  });

  it("says why: missing, not 64 hex digits (incl. a sha256= prefix)", async () => {
    const signature = await linearSignature(SECRET, body);
    expect(await verifyLinearSignature(request(body, null), SECRET)).toEqual({ ok: false, reason: "missing-signature" });
    expect(await verifyLinearSignature(request(body, `sha256=${signature}`), SECRET)).toEqual({ ok: false, reason: "malformed-signature" });
    expect(await verifyLinearSignature(request(body, "zz".repeat(32)), SECRET)).toEqual({ ok: false, reason: "malformed-signature" });
  });

  it("requires webhookTimestamp within 60 s: 61 s old is stale, 61 s ahead is future; a signed body without a number there is malformed", async () => {
    const at = (timestamp: unknown) => JSON.stringify({ type: "Issue", action: "update", webhookTimestamp: timestamp });
    const check = async (text: string) => verifyLinearSignature(request(text, await linearSignature(SECRET, text)), SECRET);
    expect(await check(at(NOW - 59_000))).toEqual({ ok: true });
    expect(await check(at(NOW - 61_000))).toEqual({ ok: false, reason: "stale-timestamp" });
    expect(await check(at(NOW + 61_000))).toEqual({ ok: false, reason: "future-timestamp" });
    const malformedTimestamp = { ok: false, reason: "malformed-body", detail: expect.stringMatching(/^webhookTimestamp: .*expected number/) };
    expect(await check(JSON.stringify({ type: "Issue", action: "update" }))).toEqual(malformedTimestamp);
    expect(await check(at(String(NOW)))).toEqual(malformedTimestamp);
  });
});

describe("POST /webhooks/linear rejects unsigned, tampered and replayed deliveries", () => {
  it("401 with the reason, and no conversation is created", async () => {
    const team = await seedTeam();
    const issue = await seedIssue(team, "Crash on save", "TypeError at save()");
    const payload = issueWebhook(issue, { action: "update", assigneeId: "6f0c1b2a-0000-4000-8000-00000000b07a", updatedFrom: { assigneeId: HUMAN.id } });
    const before = await listConversations();

    const tampered = await postLinear(payload, { sendBody: JSON.stringify({ ...payload, action: "remove" }) });
    expect(tampered.status).toBe(401);
    expect(await tampered.json()).toEqual({ error: "unauthorized", reason: "bad-signature" });

    const badHex = await postLinear(payload, { headers: { "linear-signature": "not-hex" } });
    expect(await badHex.json()).toMatchObject({ reason: "malformed-signature" });

    const missing = await postLinear(payload, { headers: { "linear-signature": null } });
    expect(await missing.json()).toMatchObject({ reason: "missing-signature" });

    const stale = await postLinear({ ...payload, webhookTimestamp: Date.now() - 61_000 });
    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ reason: "stale-timestamp" });


    expect(await listConversations()).toBe(before);
  });

  it("a signed body that is not a Linear payload is 400 naming the field, never 5xx", async () => {
    const response = await postLinear({ webhookTimestamp: Date.now(), hello: "world" });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "malformed", reason: expect.stringMatching(/^type: /) });

    const untimed = await postLinear({ type: "Issue", action: "update", organizationId: "org" });
    expect(untimed.status).toBe(400);
    expect(await untimed.json()).toMatchObject({ error: "malformed", reason: expect.stringMatching(/^webhookTimestamp: /) });
  });
});
