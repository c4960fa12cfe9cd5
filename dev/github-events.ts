// Builds GitHub webhook deliveries exactly as GitHub sends them: exact bytes, real HMAC
// signature. Runtime-agnostic: used by dev scripts in Node and by tests inside workerd.
import { sign } from "@octokit/webhooks-methods";

export type GitHubPayload = Record<string, unknown> & { action?: string };

/** Moves a payload to another repository (tests and demos keep conversations apart this way). */
export function inRepository<T extends GitHubPayload>(payload: T, owner: string, repo: string): T {
  const repository = payload.repository as { name: string; full_name: string; owner: { login: string } };
  repository.name = repo;
  repository.full_name = `${owner}/${repo}`;
  repository.owner.login = owner;
  return payload;
}

export interface Delivery {
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function signedDelivery(event: string, payload: unknown, secret: string, delivery?: string): Promise<Delivery> {
  return signedBody(event, JSON.stringify(payload), secret, delivery);
}

/** Signs `body` as it is, byte for byte (tests use it for bodies that are not valid JSON). */
export async function signedBody(event: string, body: string, secret: string, delivery = crypto.randomUUID()): Promise<Delivery> {
  return {
    body,
    headers: {
      "content-type": "application/json",
      "user-agent": "GitHub-Hookshot/switchboard-dev",
      "x-github-event": event,
      "x-github-delivery": delivery,
      "x-hub-signature-256": await sign(secret, body),
    },
  };
}
