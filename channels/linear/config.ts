import { z } from "zod";
import { listVariable } from "../../src/config.ts";

export interface LinearConfig {
  readonly botName: string;
  readonly webhookSecret: string;
  /** The exact `Authorization` header value: a personal key raw, an OAuth token as `Bearer …`. */
  readonly authorization: string;
  readonly apiUrl: string;
  /** The bot's Linear user id; when unset it is looked up once through `viewer`. */
  readonly botUserId?: string;
  /** The app user agent sessions belong to; defaults to the bot user (with `actor=app` they are one). */
  readonly appUserId?: string;
  /** Workspaces (organization ids) the bot answers in; empty means all. */
  readonly organizationAllowlist: readonly string[];
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
  })
  .superRefine((env, ctx) => {
    if (env.LINEAR_API_KEY || env.LINEAR_ACCESS_TOKEN) return;
    ctx.addIssue({ code: "custom", path: ["LINEAR_API_KEY"], message: "set LINEAR_API_KEY (personal key) or LINEAR_ACCESS_TOKEN (OAuth app token)" });
  })
  .transform((env) => ({
    botName: env.BOT_NAME,
    webhookSecret: env.LINEAR_WEBHOOK_SECRET,
    authorization: env.LINEAR_ACCESS_TOKEN ? authorizationHeader(`Bearer ${env.LINEAR_ACCESS_TOKEN}`) : authorizationHeader(env.LINEAR_API_KEY!),
    apiUrl: env.LINEAR_API_URL,
    ...(env.LINEAR_BOT_USER_ID ? { botUserId: env.LINEAR_BOT_USER_ID } : {}),
    ...(env.LINEAR_APP_USER_ID ? { appUserId: env.LINEAR_APP_USER_ID } : {}),
    organizationAllowlist: env.LINEAR_ORGANIZATION_ALLOWLIST,
  }));
