// Builds GitHub webhook deliveries exactly as GitHub sends them (payload from GitHub's own
// examples, real HMAC signature). Runtime-agnostic: used by dev scripts in Node and by tests
// inside workerd.
import { sign } from "@octokit/webhooks-methods";
import examples from "@octokit/webhooks-examples/api.github.com/index.json" with { type: "json" };

export type GitHubPayload = Record<string, unknown> & { action?: string };
type ExampleGroup = { name: string; examples: GitHubPayload[] };

/** GitHub's documented payloads for one event, deep-copied so callers may edit them. */
export function githubExamples(event: string): GitHubPayload[] {
  const group = (examples as unknown as ExampleGroup[]).find((candidate) => candidate.name === event);
  if (!group) throw new Error(`no GitHub examples for "${event}"`);
  return structuredClone(group.examples);
}

export function githubExample(event: string, action: string): GitHubPayload {
  const found = githubExamples(event).find((example) => example.action === action);
  if (!found) throw new Error(`no GitHub example for ${event}.${action}`);
  return found;
}

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
