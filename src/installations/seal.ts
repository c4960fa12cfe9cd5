import { derivedKey, fromBase64Url, toBase64Url } from "./keys.ts";

/**
 * Tokens at rest: AES-256-GCM under a key derived from INSTALLATIONS_KEY, a fresh 96-bit IV per
 * sealing, and the installation's name as additional data, so a sealed token copied to another
 * installation's row does not open there. Format: `v1.<iv>.<ciphertext>` (base64url).
 */
export async function seal(secret: string, plaintext: string, installation: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await derivedKey(secret, "seal installation tokens v1");
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: new TextEncoder().encode(installation) }, key, new TextEncoder().encode(plaintext));
  return `v1.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`;
}

/** The plaintext, or an error naming what is wrong (never the value). */
export async function unseal(secret: string, sealed: string, installation: string): Promise<string> {
  const [version, ivText, dataText] = sealed.split(".");
  const iv = fromBase64Url(ivText ?? "");
  const data = fromBase64Url(dataText ?? "");
  if (version !== "v1" || !iv || !data) throw new Error("a sealed token is not in the v1 format");
  const key = await derivedKey(secret, "seal installation tokens v1");
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: new TextEncoder().encode(installation) }, key, data);
    return new TextDecoder().decode(plain);
  } catch {
    throw new Error("a sealed token does not open with INSTALLATIONS_KEY (was the key changed?)");
  }
}
