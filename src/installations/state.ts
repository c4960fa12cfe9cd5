import { derivedKey, fromBase64Url, toBase64Url } from "./keys.ts";

/** How long an install link's `state` stays good: Slack's and Linear's codes live 10 minutes too. */
export const STATE_TTL_MS = 10 * 60_000;

interface StatePayload {
  /** The channel the install is for: a Slack state is no good at Linear's callback. */
  readonly c: string;
  /** Also set in a cookie on the installer's browser, so the callback is the same browser's. */
  readonly n: string;
  /** Expiry, epoch ms. */
  readonly e: number;
}

export type StateCheck = { ok: true; nonce: string } | { ok: false; reason: "forged" | "expired" | "other-channel" };

/** `<payload>.<HMAC-SHA256>`, both base64url, under a key derived from INSTALLATIONS_KEY. */
export async function signState(secret: string, channel: string, nonce: string, now: number): Promise<string> {
  const payload = toBase64Url(new TextEncoder().encode(JSON.stringify({ c: channel, n: nonce, e: now + STATE_TTL_MS } satisfies StatePayload)));
  const key = await derivedKey(secret, "sign oauth state v1");
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(payload)));
  return `${payload}.${toBase64Url(mac)}`;
}

/** Checks the MAC in constant time (WebCrypto verify) before reading anything in the payload. */
export async function checkState(secret: string, channel: string, state: string, now: number): Promise<StateCheck> {
  const [payload = "", macText = ""] = state.split(".");
  const mac = fromBase64Url(macText);
  if (!payload || !mac || state.split(".").length !== 2) return { ok: false, reason: "forged" };
  const key = await derivedKey(secret, "sign oauth state v1");
  if (!(await crypto.subtle.verify("HMAC", key, mac, new TextEncoder().encode(payload)))) return { ok: false, reason: "forged" };
  let parsed: StatePayload;
  try {
    parsed = JSON.parse(new TextDecoder().decode(fromBase64Url(payload) ?? new Uint8Array())) as StatePayload;
  } catch {
    return { ok: false, reason: "forged" };
  }
  if (parsed.c !== channel) return { ok: false, reason: "other-channel" };
  if (typeof parsed.e !== "number" || parsed.e <= now) return { ok: false, reason: "expired" };
  return { ok: true, nonce: String(parsed.n) };
}
