import { z } from "zod";
import { listVariable } from "../../src/config.ts";
import { installationStore, InstallationsEnv, type InstallationStore } from "../../src/installations/store.ts";
import type { RefreshEndpoint } from "../../src/installations/types.ts";

export const LINEAR_AUTHORIZE_DEFAULT = "https://linear.app/oauth/authorize";

/** The OAuth install (`/oauth/linear/install`, actor=app), set up by LINEAR_CLIENT_ID and LINEAR_CLIENT_SECRET. */
export interface LinearInstall {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly authorizeUrl: string;
  /** Linear's token endpoint: LINEAR_API_URL's host, `/oauth/token` (https://api.linear.app/oauth/token). */
  readonly tokenUrl: string;
  readonly store: InstallationStore;
  readonly secret: string;
}

/** Where an installation's expiring access token is renewed. */
export function refreshEndpoint(install: LinearInstall): RefreshEndpoint {
  return { url: install.tokenUrl, clientId: install.clientId, clientSecret: install.clientSecret };
}

export interface LinearConfig {
  readonly botName: string;
  readonly webhookSecret: string;
  /**
   * The exact `Authorization` header value of a credential in a secret: a personal key raw, an
   * OAuth token as `Bearer …`. The single-tenant setup, and the fallback for organizations
   * without an installation.
   */
  readonly authorization?: string;
  /** Per-organization installs, when set up: each organization is answered with its own, refreshed token. */
  readonly install?: LinearInstall;
  readonly apiUrl: string;
  /** The bot's Linear user id; when unset it is looked up once through `viewer`. */
  readonly botUserId?: string;
  /** The app user agent sessions belong to; defaults to the bot user (with `actor=app` they are one). */
  readonly appUserId?: string;
  /** Workspaces (organization ids) the bot answers in; empty means all. */
  readonly organizationAllowlist: readonly string[];
  /**
   * Who may approve the bot's tool calls: user ids, and `admins` for the workspace's admins.
   * Empty means every active member who is not a guest.
   */
  readonly approvers: readonly string[];
}

/**
 * Linear's header rules: a personal API key (`lin_api_…`) is sent as is; an OAuth access token
 * (an app installed with `actor=app`) is sent as `Bearer <token>`.
 */
export function authorizationHeader(credential: string): string {
  if (/^bearer\s+/i.test(credential)) return `Bearer ${credential.replace(/^bearer\s+/i, "")}`;
  return credential.startsWith("lin_api_") ? credential : `Bearer ${credential}`;
}

export const LinearConfig: z.ZodType<LinearConfig> = z
  .object({
    BOT_NAME: z.string().min(1),
    LINEAR_WEBHOOK_SECRET: z.string().min(1),
    LINEAR_API_KEY: z.string().min(1).optional(),
    LINEAR_ACCESS_TOKEN: z.string().min(1).optional(),
    LINEAR_API_URL: z.url().default("https://api.linear.app/graphql"),
    LINEAR_BOT_USER_ID: z.string().min(1).optional(),
    LINEAR_APP_USER_ID: z.string().min(1).optional(),
    LINEAR_ORGANIZATION_ALLOWLIST: listVariable,
    LINEAR_APPROVERS: listVariable.pipe(
      z.array(z.string().regex(/^(admins|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i, "must list Linear user ids (UUIDs), or admins")),
    ),
    LINEAR_CLIENT_ID: z.string().min(1).optional(),
    LINEAR_CLIENT_SECRET: z.string().min(1).optional(),
    LINEAR_AUTHORIZE_URL: z.url().default(LINEAR_AUTHORIZE_DEFAULT),
    ...InstallationsEnv,
  })
  .superRefine((env, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (!env.LINEAR_CLIENT_ID) {
      if (!env.LINEAR_API_KEY && !env.LINEAR_ACCESS_TOKEN) {
        problem("LINEAR_API_KEY", "set LINEAR_API_KEY (personal key), or LINEAR_CLIENT_ID and LINEAR_CLIENT_SECRET (installs through /oauth/linear/install)");
      }
      return;
    }
    if (!env.LINEAR_CLIENT_SECRET) problem("LINEAR_CLIENT_SECRET", "required with LINEAR_CLIENT_ID");
    if (!env.INSTALLATIONS_KEY) problem("INSTALLATIONS_KEY", "required with LINEAR_CLIENT_ID: it seals the organizations' tokens (openssl rand -base64 32)");
    if (!env.INSTALLATIONS || !env.INSTALLATION_INDEX) problem("INSTALLATIONS", "the Durable Object bindings INSTALLATIONS and INSTALLATION_INDEX are missing from wrangler.toml");
  })
  .transform((env) => ({
    botName: env.BOT_NAME,
    webhookSecret: env.LINEAR_WEBHOOK_SECRET,
    ...(env.LINEAR_ACCESS_TOKEN || env.LINEAR_API_KEY
      ? { authorization: env.LINEAR_ACCESS_TOKEN ? authorizationHeader(`Bearer ${env.LINEAR_ACCESS_TOKEN}`) : authorizationHeader(env.LINEAR_API_KEY!) }
      : {}),
    ...(env.LINEAR_CLIENT_ID
      ? {
          install: {
            clientId: env.LINEAR_CLIENT_ID,
            clientSecret: env.LINEAR_CLIENT_SECRET!,
            authorizeUrl: env.LINEAR_AUTHORIZE_URL,
            tokenUrl: new URL(env.LINEAR_API_URL.replace(/\/graphql\/?$/, "/oauth/token")).toString(),
            store: installationStore("linear", env)!,
            secret: env.INSTALLATIONS_KEY!,
          },
        }
      : {}),
    apiUrl: env.LINEAR_API_URL,
    ...(env.LINEAR_BOT_USER_ID ? { botUserId: env.LINEAR_BOT_USER_ID } : {}),
    ...(env.LINEAR_APP_USER_ID ? { appUserId: env.LINEAR_APP_USER_ID } : {}),
    organizationAllowlist: env.LINEAR_ORGANIZATION_ALLOWLIST,
    approvers: env.LINEAR_APPROVERS.map((entry) => entry.toLowerCase()),
  }));
