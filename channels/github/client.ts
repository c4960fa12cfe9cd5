import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/rest";
import { retryingFetch } from "../../src/retry.ts";
import type { GitHubConfig } from "./config.ts";

/**
 * One Octokit per credential per isolate, so a GitHub App's installation token (cached by
 * @octokit/auth-app until shortly before it expires) is reused across turns.
 */
const clients = new Map<string, Octokit>();

export function githubClient(config: GitHubConfig, installationId?: number): Octokit {
  const auth = config.auth;
  const key = auth.type === "token" ? `token:${config.apiUrl}:${auth.token}` : `app:${config.apiUrl}:${auth.appId}:${installationId}`;
  let client = clients.get(key);
  if (client) return client;
  const common = {
    baseUrl: config.apiUrl,
    userAgent: "switchboard",
    request: { fetch: retryingFetch() },
    log: { debug() {}, info() {}, warn: console.warn, error: console.error },
  };
  if (auth.type === "token") {
    client = new Octokit({ ...common, auth: auth.token });
  } else {
    if (installationId === undefined) {
      throw new Error("GitHub App auth needs the installation id that comes with each webhook delivery");
    }
    client = new Octokit({
      ...common,
      authStrategy: createAppAuth,
      auth: { appId: auth.appId, privateKey: auth.privateKey, installationId },
    });
  }
  clients.set(key, client);
  return client;
}
