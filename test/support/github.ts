import { exports } from "cloudflare:workers";
import { signedBody } from "../../dev/github-events.ts";
import { TEST_GITHUB_WEBHOOK_SECRET } from "../env.ts";

export { githubExample, githubExamples, inRepository } from "../../dev/github-events.ts";

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

export function uniqueRepo(prefix: string): { owner: string; repo: string } {
  return { owner: "switchboard-tests", repo: `${prefix}-${crypto.randomUUID().slice(0, 8)}` };
}
