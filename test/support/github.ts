import { exports } from "cloudflare:workers";
import { signedBody, type GitHubPayload } from "../../dev/github-events.ts";
import { TEST_GITHUB_WEBHOOK_SECRET } from "../env.ts";
import { emulatorUrl } from "./emulator.ts";

import { inRepository } from "../../dev/github-events.ts";

export { inRepository };

const cache = new Map<string, Promise<GitHubPayload[]>>();

/** GitHub's own documented payloads for one event (served by the emulator), fresh copies. */
export async function githubExamples(event: string): Promise<GitHubPayload[]> {
  let examples = cache.get(event);
  if (!examples) {
    examples = fetch(`${emulatorUrl}/_emulator/github/examples/${event}`).then((r) => r.json() as Promise<GitHubPayload[]>);
    cache.set(event, examples);
  }
  return structuredClone(await examples);
}

export async function githubExample(event: string, action: string): Promise<GitHubPayload> {
  const found = (await githubExamples(event)).find((example) => example.action === action);
  if (!found) throw new Error(`no GitHub example for ${event}.${action}`);
  return found;
}

let deliveries = 0;
export function newDelivery(): string {
  return `${crypto.randomUUID()}-${++deliveries}`;
}

export interface PostOptions {
  delivery?: string;
  secret?: string;
  /** Header overrides; null removes the header. */
  headers?: Record<string, string | null>;
  /** Raw body to send (signed as is) instead of the JSON of the payload. */
  body?: string;
}

/** Posts `payload` to the Worker exactly as GitHub would: exact bytes, real HMAC signature. */
export async function postGitHub(event: string, payload: unknown, options: PostOptions = {}): Promise<Response> {
  const { body, headers } = await signedBody(
    event,
    options.body ?? JSON.stringify(payload),
    options.secret ?? TEST_GITHUB_WEBHOOK_SECRET,
    options.delivery ?? newDelivery(),
  );
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  return exports.default.fetch(new Request("https://switchboard.test/webhooks/github", { method: "POST", headers, body }));
}

/**
 * What a comment's delivery says of its issue, filled from the emulated GitHub as GitHub fills it:
 * who opened it, and how many comments it had before the one delivered (the bot's among them).
 * An issue the emulator has not seen has none. Read from its state: no API call is recorded.
 */
export async function issueAsDelivered(owner: string, repo: string, number: number): Promise<{ comments: number; user?: unknown }> {
  const state = (await (await fetch(`${emulatorUrl}/_emulator/state/github`)).json()) as {
    repos: { owner: string; name: string; issues: { number: number; comments: number; user: unknown }[] }[];
  };
  const issue = state.repos.find((r) => r.owner === owner && r.name === repo)?.issues.find((i) => i.number === number);
  return issue ? { comments: issue.comments, user: issue.user } : { comments: 0 };
}

/** GitHub's issues.opened example, moved to `owner/repo`, with this title and body. */
export async function openedIssue(owner: string, repo: string, issue: { title: string; body: string }) {
  const payload = inRepository(await githubExample("issues", "opened"), owner, repo);
  Object.assign(payload.issue as object, { ...issue, labels: [] });
  return payload;
}

/** A bug report the embedded model labels confidently. */
export const CLEAR_BUG = {
  title: "Crash on startup: TypeError reading 'config'",
  body: "Steps to reproduce:\n1. run `app start`\n\nExpected: it starts\nActual: TypeError: Cannot read properties of undefined (reading 'config')\n\nVersion 4.1.0",
};

export function uniqueRepo(prefix: string): { owner: string; repo: string } {
  return { owner: "switchboard-tests", repo: `${prefix}-${crypto.randomUUID().slice(0, 8)}` };
}
