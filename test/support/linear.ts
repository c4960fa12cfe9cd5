// Linear webhooks as Linear sends them (payloads typed with @linear/sdk's own webhook types, real
// HMAC signatures) and seeding of the emulated workspace they refer to.
import { exports } from "cloudflare:workers";
import { HUMAN, linearEvents, signLinear, type SeededIssue, type SeededTeam } from "../../dev/linear-events.ts";
import type { RecordedCall } from "../../dev/emulator/core.ts";
import { TEST_LINEAR, TEST_LINEAR_WEBHOOK_SECRET } from "../env.ts";
import { emulatorUrl, recordedCalls } from "./emulator.ts";

export type { SeededIssue, SeededTeam };
export { HUMAN };
export const { BOT, issueWebhook, commentWebhook, notificationWebhook, sessionCreatedWebhook, sessionPromptedWebhook } = linearEvents(TEST_LINEAR);

async function control<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(`${emulatorUrl}/_emulator/linear${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`seeding ${path} failed: ${response.status} ${await response.text()}`);
  return response.json() as Promise<T>;
}

/** A fresh team (own key, labels Bug/Feature/Improvement, Triage…Canceled states) per test. */
export function seedTeam(options: { issueEstimationType?: string; labels?: string[] } = {}): Promise<SeededTeam> {
  const key = `T${crypto.randomUUID().replace(/[^A-F0-9]/gi, "").slice(0, 5).toUpperCase()}`;
  return control("/teams", { key, name: `Team ${key}`, ...options });
}

export function seedIssue(team: SeededTeam, title: string, description: string): Promise<SeededIssue> {
  return control("/issues", { teamId: team.id, title, description, creatorId: HUMAN.id });
}

export function seedSession(issue: SeededIssue, commentId?: string): Promise<{ id: string }> {
  return control("/sessions", { issueId: issue.id, creatorId: HUMAN.id, ...(commentId ? { commentId } : {}) });
}

export function seedPrompt(sessionId: string, body: string, signal?: "stop"): Promise<{ id: string; createdAt: string }> {
  return control(`/sessions/${sessionId}/prompts`, { body, userId: HUMAN.id, ...(signal ? { signal } : {}) });
}

export async function linearState(): Promise<{ teams: Array<SeededTeam & { issues: Array<Record<string, unknown>> }> }> {
  return (await fetch(`${emulatorUrl}/_emulator/state/linear`)).json() as never;
}

/** GraphQL calls the bot made whose variables mention `id` (an issue or session id). */
export async function linearCalls(id: string, operation?: string): Promise<RecordedCall[]> {
  const calls = await recordedCalls("linear", operation ? `#${operation}` : "/graphql");
  return calls.filter((call) => JSON.stringify(call.body).includes(id) && (!operation || call.path.endsWith(`#${operation}`)));
}

export const succeeded = (call: RecordedCall) => call.status === 200 && !(call.response as { errors?: unknown }).errors;

export interface LinearPostOptions {
  secret?: string;
  delivery?: string | null;
  /** Header overrides; null removes the header. */
  headers?: Record<string, string | null>;
  /** Bytes to send after signing (to tamper with a signed body). */
  sendBody?: string;
}

/** Posts `payload` to the Worker exactly as Linear would: exact bytes, bare-hex HMAC-SHA256. */
export async function postLinear(payload: unknown, options: LinearPostOptions = {}): Promise<Response> {
  const body = JSON.stringify(payload);
  const headers = await signLinear(body, options.secret ?? TEST_LINEAR_WEBHOOK_SECRET, options.delivery === null ? null : (options.delivery ?? crypto.randomUUID()));
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  return exports.default.fetch(new Request("https://switchboard.test/webhooks/linear", { method: "POST", headers, body: options.sendBody ?? body }));
}

