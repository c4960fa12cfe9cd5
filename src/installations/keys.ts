/**
 * The keys behind installations, all derived from one Worker secret, INSTALLATIONS_KEY (base64
 * of at least 32 random bytes: `openssl rand -base64 32`). HKDF gives each use its own key, so
 * the key that seals tokens never signs an OAuth `state`, and the other way round.
 */

/** INSTALLATIONS_KEY's bytes, or null when it is not base64 of at least 32 bytes. */
export function installationsKeyBytes(secret: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(secret.trim())) return null;
  try {
    const binary = atob(secret.trim().replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    return bytes.length >= 32 ? bytes : null;
  } catch {
    return null;
  }
}

type Purpose = "seal installation tokens v1" | "sign oauth state v1";

const derived = new Map<string, Promise<CryptoKey>>();

/** The key for one purpose, derived once per isolate. */
export function derivedKey(secret: string, purpose: Purpose): Promise<CryptoKey> {
  const id = `${purpose}\n${secret}`;
  let key = derived.get(id);
  if (!key) {
    key = deriveKey(secret, purpose);
    key.catch(() => derived.delete(id));
    derived.set(id, key);
  }
  return key;
}

async function deriveKey(secret: string, purpose: Purpose): Promise<CryptoKey> {
  const bytes = installationsKeyBytes(secret);
  if (!bytes) throw new Error("INSTALLATIONS_KEY must be base64 of at least 32 random bytes");
  const material = await crypto.subtle.importKey("raw", bytes, "HKDF", false, ["deriveKey"]);
  const params = { name: "HKDF", hash: "SHA-256", salt: new TextEncoder().encode("switchboard"), info: new TextEncoder().encode(purpose) };
  return purpose === "seal installation tokens v1"
    ? crypto.subtle.deriveKey(params, material, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"])
    : crypto.subtle.deriveKey(params, material, { name: "HMAC", hash: "SHA-256", length: 256 }, false, ["sign", "verify"]);
}

export function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    return Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}
