import { z } from "zod";
import { listVariable } from "../../src/config.ts";
import { installationStore, InstallationsEnv, type InstallationStore } from "../../src/installations/store.ts";
import { toPkcs8Pem } from "./private-key.ts";

export type GitHubAuth =
  | { readonly type: "token"; readonly token: string }
  | { readonly type: "app"; readonly appId: string; readonly privateKey: string };

export interface GitHubConfig {
  readonly botName: string;
  readonly webhookSecret: string;
  readonly auth: GitHubAuth;
  readonly apiUrl: string;
  /** Owners ("acme") or repositories ("acme/api") the bot answers in; empty means all. */
  readonly allowlist: readonly string[];
  /** A GitHub App's installations (created, removed by its webhooks); token mode has none. */
  readonly install?: { readonly store: InstallationStore };
  /** The least repository role that may approve the bot's tool calls. */
  readonly approverRole: ApproverRole;
}

/** Repository roles that may be trusted to approve, least first (read and triage never may). */
export const APPROVER_ROLES = ["write", "maintain", "admin"] as const;
export type ApproverRole = (typeof APPROVER_ROLES)[number];

export const GitHubConfig: z.ZodType<GitHubConfig> = z
  .object({
    BOT_NAME: z.string().min(1),
    GITHUB_WEBHOOK_SECRET: z.string().min(1),
    GITHUB_TOKEN: z.string().min(1).optional(),
    GITHUB_APP_ID: z.string().regex(/^\d+$/, "must be the numeric App ID").optional(),
    GITHUB_PRIVATE_KEY: z
      .string()
      .transform((pem) => pem.replace(/\\n/g, "\n"))
      .refine((pem) => /-----BEGIN (RSA )?PRIVATE KEY-----/.test(pem), "must be a PEM private key (PKCS#1 or PKCS#8)")
      .transform((pem, ctx) => {
        const pkcs8 = toPkcs8Pem(pem);
        if (pkcs8 === null) ctx.addIssue({ code: "custom", message: "must be a PEM private key: the text between its BEGIN and END lines is not base64" });
        return pkcs8 ?? z.NEVER;
      })
      .optional(),
    GITHUB_API_URL: z.url().default("https://api.github.com"),
    GITHUB_ALLOWLIST: listVariable,
    GITHUB_APPROVER_ROLE: z.enum(APPROVER_ROLES).default("write"),
    INSTALLATIONS: InstallationsEnv.INSTALLATIONS,
    INSTALLATION_INDEX: InstallationsEnv.INSTALLATION_INDEX,
  })
  .superRefine((env, ctx) => {
    if (env.GITHUB_TOKEN || (env.GITHUB_APP_ID && env.GITHUB_PRIVATE_KEY)) return;
    const missing = env.GITHUB_APP_ID ? "GITHUB_PRIVATE_KEY" : env.GITHUB_PRIVATE_KEY ? "GITHUB_APP_ID" : "GITHUB_TOKEN";
    ctx.addIssue({
      code: "custom",
      path: [missing],
      message: "set GITHUB_TOKEN, or GITHUB_APP_ID and GITHUB_PRIVATE_KEY",
    });
  })
  .transform((env) => ({
    botName: env.BOT_NAME,
    webhookSecret: env.GITHUB_WEBHOOK_SECRET,
    auth: env.GITHUB_TOKEN
      ? { type: "token" as const, token: env.GITHUB_TOKEN }
      : { type: "app" as const, appId: env.GITHUB_APP_ID!, privateKey: env.GITHUB_PRIVATE_KEY! },
    apiUrl: env.GITHUB_API_URL.replace(/\/+$/, ""),
    allowlist: env.GITHUB_ALLOWLIST.map((entry) => entry.toLowerCase()),
    ...(!env.GITHUB_TOKEN && installationStore("github", env) ? { install: { store: installationStore("github", env)! } } : {}),
    approverRole: env.GITHUB_APPROVER_ROLE,
  }));
