/** Byte and key helpers shared by the channels' signature checks and idempotency markers. */

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  return Array.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Callers check the string is even-length hex first. */
export function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

const hmacKeys = new Map<string, Promise<CryptoKey>>();
/** Secrets rarely change in an isolate's life; a rotation or a test with many secrets stays bounded. */
const HMAC_KEYS_KEPT = 16;

/**
 * An HMAC-SHA256 key for `secret`, imported once per isolate: the import costs about as much as
 * the MAC of a webhook body, and every request would otherwise pay it again.
 */
export function hmacSha256Key(secret: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  const id = `${usage}:${secret}`;
  const cached = hmacKeys.get(id);
  if (cached) return cached;
  const key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [usage]);
  key.catch(() => hmacKeys.delete(id));
  if (hmacKeys.size >= HMAC_KEYS_KEPT) hmacKeys.delete(hmacKeys.keys().next().value!);
  hmacKeys.set(id, key);
  return key;
}

/** The parts one after another, in a new buffer. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
