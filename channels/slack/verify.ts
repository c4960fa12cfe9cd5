import type { InboundRequest, Verdict } from "../../src/channel.ts";
import { concatBytes, hexToBytes, hmacSha256Key, toHex } from "../../src/crypto.ts";

const SIGNATURE = /^v0=[0-9a-f]{64}$/;
const TIMESTAMP = /^\d{1,12}$/;
/** Slack's window, applied both ways: older is a replay, newer is a forged or broken clock. */
const TOLERANCE_SECONDS = 300;

const encoder = new TextEncoder();

/**
 * Checks `X-Slack-Signature` (`v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}`) and the
 * freshness of `X-Slack-Request-Timestamp`. Pure: bytes, headers, secret and `request.now` in,
 * a typed verdict out. The comparison is `crypto.subtle.verify`, which is constant-time.
 */
export async function verifySlackSignature(request: InboundRequest, secret: string): Promise<Verdict> {
  const signature = request.headers.get("x-slack-signature");
  const timestamp = request.headers.get("x-slack-request-timestamp");
  if (!signature) return { ok: false, reason: "missing-signature" };
  if (!timestamp || !TIMESTAMP.test(timestamp)) return { ok: false, reason: "missing-timestamp" };
  if (!SIGNATURE.test(signature)) return { ok: false, reason: "malformed-signature" };
  const skew = Math.floor(request.now / 1000) - Number(timestamp);
  if (skew > TOLERANCE_SECONDS) return { ok: false, reason: "stale-timestamp" };
  if (skew < -TOLERANCE_SECONDS) return { ok: false, reason: "future-timestamp" };
  const key = await hmacSha256Key(secret, "verify");
  const valid = await crypto.subtle.verify("HMAC", key, hexToBytes(signature.slice(3)), signedBytes(timestamp, request.body));
  return valid ? { ok: true } : { ok: false, reason: "bad-signature" };
}

/** The `X-Slack-Signature` value Slack would send for `body` at `timestamp` (tests, dev tools). */
export async function slackSignature(secret: string, timestamp: string | number, body: string | Uint8Array): Promise<string> {
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  const mac = await crypto.subtle.sign("HMAC", await hmacSha256Key(secret, "sign"), signedBytes(String(timestamp), bytes));
  return `v0=${toHex(mac)}`;
}

/** `v0:{timestamp}:` followed by the exact body bytes (never re-encoded text). */
function signedBytes(timestamp: string, body: Uint8Array): Uint8Array<ArrayBuffer> {
  return concatBytes(encoder.encode(`v0:${timestamp}:`), body);
}
