import type { InboundRequest, Verdict } from "../../src/channel.ts";
import { hexToBytes, hmacSha256Key, toHex } from "../../src/crypto.ts";

const SIGNATURE = /^sha256=[0-9a-f]{64}$/;

/**
 * Checks `X-Hub-Signature-256` (`sha256=` + hex HMAC-SHA256 of the exact body bytes, an empty
 * body included) with WebCrypto, whose comparison is constant-time. GitHub signs no timestamp,
 * so replay protection is the delivery id: a replayed delivery is a duplicate and starts no
 * second turn.
 */
export async function verifyGitHubSignature(request: InboundRequest, secret: string): Promise<Verdict> {
  const signature = request.headers.get("x-hub-signature-256");
  if (!signature) return { ok: false, reason: "missing-signature" };
  if (!SIGNATURE.test(signature)) return { ok: false, reason: "malformed-signature" };
  const key = await hmacSha256Key(secret, "verify");
  const valid = await crypto.subtle.verify("HMAC", key, hexToBytes(signature.slice("sha256=".length)), request.body);
  return valid ? { ok: true } : { ok: false, reason: "bad-signature" };
}

/** The `X-Hub-Signature-256` value GitHub would send for `body` (tests, dev tools). */
export async function githubSignature(secret: string, body: string | Uint8Array): Promise<string> {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  return `sha256=${toHex(await crypto.subtle.sign("HMAC", await hmacSha256Key(secret, "sign"), bytes))}`;
}
