import { verifyKey } from "discord-interactions";
import type { InboundRequest, Verdict } from "../../src/channel.ts";

/** Discord's own window is unspecified; five minutes either way of a skewed clock is the norm. */
export const MAX_AGE_SECONDS = 300;
/** A timestamp this far ahead of our clock is refused as from the future. */
export const MAX_FUTURE_SECONDS = 60;

const SIGNATURE = /^[0-9a-f]{128}$/i;
const TIMESTAMP = /^\d{1,12}$/;

/**
 * Checks Discord's `X-Signature-Ed25519` over `X-Signature-Timestamp` + the exact body with
 * WebCrypto (through `discord-interactions`), and the timestamp's freshness, which the library
 * leaves to us: older than five minutes is a replay, ahead of our clock is forged.
 */
export async function verifyDiscordSignature(request: InboundRequest, publicKey: string): Promise<Verdict> {
  const signature = request.headers.get("x-signature-ed25519");
  const timestamp = request.headers.get("x-signature-timestamp");
  if (!signature) return { ok: false, reason: "missing-signature" };
  if (!timestamp) return { ok: false, reason: "missing-timestamp" };
  if (!SIGNATURE.test(signature) || !TIMESTAMP.test(timestamp)) return { ok: false, reason: "malformed-signature" };
  const age = request.now / 1000 - Number(timestamp);
  if (age > MAX_AGE_SECONDS) return { ok: false, reason: "stale-timestamp" };
  if (age < -MAX_FUTURE_SECONDS) return { ok: false, reason: "future-timestamp" };
  const valid = await verifyKey(request.body, signature, timestamp, publicKey);
  return valid ? { ok: true } : { ok: false, reason: "bad-signature" };
}
