import type { InboundRequest, Verdict } from "../../src/channel.ts";

const SIGNATURE = /^[0-9a-f]{64}$/i;
/** Linear's own client rejects webhooks whose signed `webhookTimestamp` is more than a minute off. */
export const MAX_SKEW_MS = 60_000;

/**
 * Checks `Linear-Signature` (bare hex HMAC-SHA256 of the exact body, no prefix) in constant time
 * with WebCrypto, then freshness: `webhookTimestamp` (milliseconds) lives inside the signed body,
 * so it is read only after the signature holds. Pure: bytes, headers, secret and clock in.
 */
export async function verifyLinearSignature(request: InboundRequest, secret: string): Promise<Verdict> {
  const signature = request.headers.get("linear-signature")?.trim();
  if (!signature) return { ok: false, reason: "missing-signature" };
  if (!SIGNATURE.test(signature)) return { ok: false, reason: "malformed-signature" };
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const valid = await crypto.subtle.verify("HMAC", key, hexToBytes(signature), request.body);
  if (!valid) return { ok: false, reason: "bad-signature" };

  const timestamp = webhookTimestamp(request.text);
  if (timestamp === null) return { ok: false, reason: "missing-timestamp" };
  if (request.now - timestamp > MAX_SKEW_MS) return { ok: false, reason: "stale-timestamp" };
  if (timestamp - request.now > MAX_SKEW_MS) return { ok: false, reason: "future-timestamp" };
  return { ok: true };
}

/** Signs `body` as Linear does (for tests and the dev sender). */
export async function linearSignature(secret: string, body: string | Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, bytes));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function webhookTimestamp(text: string): number | null {
  try {
    const value = (JSON.parse(text) as { webhookTimestamp?: unknown } | null)?.webhookTimestamp;
    return typeof value === "number" && Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}
