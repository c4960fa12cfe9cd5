import { verify } from "@octokit/webhooks-methods";
import type { InboundRequest, Verdict } from "../../src/channel.ts";

const SIGNATURE = /^sha256=[0-9a-f]{64}$/;

/**
 * Checks `X-Hub-Signature-256` (HMAC-SHA256 of the exact body) in constant time. GitHub
 * signs no timestamp, so replay protection is the delivery id: a replayed delivery is a
 * duplicate and starts no second turn.
 */
export async function verifyGitHubSignature(request: InboundRequest, secret: string): Promise<Verdict> {
  const signature = request.headers.get("x-hub-signature-256");
  if (!signature) return { ok: false, reason: "missing-signature" };
  if (!SIGNATURE.test(signature)) return { ok: false, reason: "malformed-signature" };
  return (await verify(secret, request.text, signature)) ? { ok: true } : { ok: false, reason: "bad-signature" };
}
