import { z } from "zod";
import type { InboundRequest, Verdict } from "../../src/channel.ts";
import { hexToBytes, hmacSha256Key, toHex } from "../../src/crypto.ts";
import { malformed, parseJsonBody } from "../../src/payload.ts";

const SIGNATURE = /^[0-9a-f]{64}$/i;
/** Linear's own client rejects webhooks whose signed `webhookTimestamp` is more than a minute off. */
export const MAX_SKEW_MS = 60_000;

/**
 * Checks `Linear-Signature` (bare hex HMAC-SHA256 of the exact body, no prefix) in constant time
 * with WebCrypto, then freshness: `webhookTimestamp` (milliseconds) lives inside the signed body,
 * so it is read only after the signature holds, and a signed body without one is malformed (400),
 * not forged. Pure: bytes, headers, secret and clock in.
 */
export async function verifyLinearSignature(request: InboundRequest, secret: string): Promise<Verdict> {
  const signature = request.headers.get("linear-signature")?.trim();
  if (!signature) return { ok: false, reason: "missing-signature" };
  if (!SIGNATURE.test(signature)) return { ok: false, reason: "malformed-signature" };
  const key = await hmacSha256Key(secret, "verify");
  const valid = await crypto.subtle.verify("HMAC", key, hexToBytes(signature), request.body);
  if (!valid) return { ok: false, reason: "bad-signature" };

  const timestamp = webhookTimestamp(request.text);
  if (!timestamp.ok) return { ok: false, reason: "malformed-body", detail: timestamp.reason };
  if (request.now - timestamp.value > MAX_SKEW_MS) return { ok: false, reason: "stale-timestamp" };
  if (timestamp.value - request.now > MAX_SKEW_MS) return { ok: false, reason: "future-timestamp" };
  return { ok: true };
}

/** Signs `body` as Linear does (for tests and the dev sender). */
export async function linearSignature(secret: string, body: string | Uint8Array): Promise<string> {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  return toHex(await crypto.subtle.sign("HMAC", await hmacSha256Key(secret, "sign"), bytes));
}

const Timestamped = z.object({ webhookTimestamp: z.number() });

/** The body's `webhookTimestamp`, or a reason naming the field that is missing or wrong. */
function webhookTimestamp(text: string): { ok: true; value: number } | { ok: false; reason: string } {
  const body = parseJsonBody(text);
  if (!body.ok) return { ok: false, reason: body.malformed.reason };
  const parsed = Timestamped.safeParse(body.value);
  return parsed.success ? { ok: true, value: parsed.data.webhookTimestamp } : { ok: false, reason: malformed(parsed.error).reason };
}
