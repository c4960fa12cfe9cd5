/**
 * GitHub hands out App keys as PKCS#1 (`BEGIN RSA PRIVATE KEY`), while WebCrypto (and so
 * @octokit/auth-app in workerd) imports only PKCS#8. Wrapping PKCS#1 in PKCS#8 is pure DER:
 * PrivateKeyInfo { version 0, AlgorithmIdentifier { rsaEncryption, NULL }, OCTET STRING key }.
 */
import { concatBytes } from "../../src/crypto.ts";

const RSA_ALGORITHM = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];
const VERSION_0 = [0x02, 0x01, 0x00];

/**
 * The key as PKCS#8 PEM (a PKCS#1 key converted, anything else as it is), or null when the text
 * between the PEM lines is not base64: a typed answer, so config parsing can name the variable.
 */
export function toPkcs8Pem(pem: string): string | null {
  const pkcs8 = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/.exec(pem);
  if (pkcs8) return derOf(pkcs8[1]!) ? pem : null;
  const match = /-----BEGIN RSA PRIVATE KEY-----([\s\S]+?)-----END RSA PRIVATE KEY-----/.exec(pem);
  if (!match) return pem;
  const pkcs1 = derOf(match[1]!);
  if (!pkcs1) return null;
  const octetString = tlv(0x04, pkcs1);
  const der = tlv(0x30, concatBytes(Uint8Array.from(VERSION_0), Uint8Array.from(RSA_ALGORITHM), octetString));
  // One character per byte, built in a loop: spreading a large key into fromCharCode overflows the stack.
  let binary = "";
  for (const byte of der) binary += String.fromCharCode(byte);
  const base64 = btoa(binary).replace(/(.{64})/g, "$1\n").trim();
  return `-----BEGIN PRIVATE KEY-----\n${base64}\n-----END PRIVATE KEY-----\n`;
}

function derOf(base64: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(base64.replace(/\s+/g, "")), (c) => c.charCodeAt(0));
  } catch {
    return null; // atob's InvalidCharacterError: not base64
  }
}

function tlv(tag: number, value: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(tag), derLength(value.length), value);
}

function derLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

