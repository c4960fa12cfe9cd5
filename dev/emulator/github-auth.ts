// Who is calling the emulated GitHub: personal tokens, installation tokens the emulator issued,
// and GitHub App JWTs verified for real (RS256 against the configured public key).
import { createPublicKey, randomBytes, verify, type KeyObject } from "node:crypto";
import type { Core } from "./core.ts";

export interface GitHubAppConfig {
  id: number;
  slug: string;
  /** Display name; defaults to the slug. */
  name?: string;
  /** SPKI ("BEGIN PUBLIC KEY") or PKCS#1 PEM of the app's key pair. */
  publicKeyPem: string;
}

export type Identity =
  | { kind: "user" }
  | { kind: "installation"; installationId: number; expiresAt: Date }
  | { kind: "app"; appId: number };

export type AuthResult =
  | { ok: true; identity: Identity; credential: string }
  | { ok: false; message: string };

export interface IssuedToken {
  token: string;
  expiresAt: Date;
  installationId: number;
}

export const INSTALLATION_TOKEN_TTL_MS = 60 * 60 * 1000;

// GitHub's own messages; @octokit/auth-app recognises the clock-skew ones and retries.
export const JWT_MESSAGES = {
  undecodable: "A JSON web token could not be decoded",
  expTooFar: "'Expiration time' claim ('exp') is too far in the future",
  expired:
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
  iatFuture: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
} as const;

const base64url = (part: string) => Buffer.from(part, "base64url");

function parseJson(buf: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(buf.toString("utf8"));
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function looksLikeJwt(credential: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(credential);
}

/** Verifies an App JWT the way GitHub does; returns the failure message or the app id. */
export function verifyAppJwt(
  jwt: string,
  app: { id: number; key: KeyObject },
  nowSeconds: number,
): { ok: true; appId: number } | { ok: false; message: string } {
  const [h = "", p = "", s = ""] = jwt.split(".");
  const header = parseJson(base64url(h));
  const payload = parseJson(base64url(p));
  if (!header || !payload || header.alg !== "RS256") return { ok: false, message: JWT_MESSAGES.undecodable };
  const signed = verify("RSA-SHA256", Buffer.from(`${h}.${p}`), app.key, base64url(s));
  if (!signed || String(payload.iss) !== String(app.id)) return { ok: false, message: JWT_MESSAGES.undecodable };
  const { iat, exp } = payload;
  if (typeof iat !== "number" || !Number.isInteger(iat) || iat > nowSeconds + 60) {
    return { ok: false, message: JWT_MESSAGES.iatFuture };
  }
  if (typeof exp !== "number" || exp <= nowSeconds) return { ok: false, message: JWT_MESSAGES.expired };
  // GitHub allows at most 10 minutes of lifetime (60 s of clock drift tolerated).
  if (exp > nowSeconds + 600 + 60 || exp - iat > 660) return { ok: false, message: JWT_MESSAGES.expTooFar };
  return { ok: true, appId: app.id };
}

export interface GitHubAuth {
  authenticate(authorization: string | undefined): AuthResult;
  /** Issued tokens survive an emulator reset, like a bot's cached token survives on GitHub. */
  issueInstallationToken(installationId: number): IssuedToken;
}

export function createGitHubAuth(core: Core, tokens: readonly string[], app?: GitHubAppConfig): GitHubAuth {
  const personal = new Set(tokens);
  const issued = new Map<string, IssuedToken>();
  const appKey = app ? { id: app.id, key: createPublicKey(app.publicKeyPem) } : undefined;

  return {
    authenticate(authorization) {
      const match = /^(token|bearer)\s+(\S+)\s*$/i.exec(authorization ?? "");
      const credential = match?.[2];
      if (!credential) return { ok: false, message: "Bad credentials" };
      if (personal.has(credential)) return { ok: true, identity: { kind: "user" }, credential };
      const inst = issued.get(credential);
      if (inst) {
        if (inst.expiresAt.getTime() <= core.now().getTime()) return { ok: false, message: "Bad credentials" };
        return {
          ok: true,
          identity: { kind: "installation", installationId: inst.installationId, expiresAt: inst.expiresAt },
          credential,
        };
      }
      if (looksLikeJwt(credential)) {
        if (!appKey) return { ok: false, message: JWT_MESSAGES.undecodable };
        const result = verifyAppJwt(credential, appKey, Math.floor(core.now().getTime() / 1000));
        return result.ok ? { ok: true, identity: { kind: "app", appId: result.appId }, credential } : result;
      }
      return { ok: false, message: "Bad credentials" };
    },
    issueInstallationToken(installationId) {
      const token = `ghs_${randomBytes(27).toString("base64url").replace(/[-_]/g, "x").slice(0, 36)}`;
      const entry = { token, installationId, expiresAt: new Date(core.now().getTime() + INSTALLATION_TOKEN_TTL_MS) };
      issued.set(token, entry);
      return entry;
    },
  };
}
