// Linear webhooks as Linear sends them (payloads typed with @linear/sdk's own webhook types, real
// HMAC signatures) and seeding of the emulated workspace they refer to.
import type {
  AgentSessionEventWebhookPayload,
  AppUserNotificationWebhookPayloadWithNotification,
  EntityWebhookPayloadWithCommentData,
  EntityWebhookPayloadWithIssueData,
} from "@linear/sdk/webhooks";
import { exports } from "cloudflare:workers";
import { linearSignature } from "../../channels/linear/verify.ts";
import type { RecordedCall } from "../../dev/emulator/core.ts";
import { TEST_LINEAR, TEST_LINEAR_WEBHOOK_SECRET } from "../env.ts";
import { emulatorUrl, recordedCalls } from "./emulator.ts";

export const BOT = { id: TEST_LINEAR.botUserId, name: "switchboard" } as const;
export const HUMAN = { id: "0c5b7a2e-0000-4000-8000-0000000000c1", name: "Ada Lovelace", email: "ada@example.com", url: "https://linear.app/switchboard-dev/profiles/ada" } as const;
const OAUTH_CLIENT_ID = "9d3f0000-0000-4000-8000-00000000c11e";

export interface SeededTeam {
  id: string;
  key: string;
  name: string;
  labels: { id: string; name: string }[];
  states: { id: string; name: string; type: string }[];
}
export interface SeededIssue {
  id: string;
  identifier: string;
  number: number;
  title: string;
  description: string;
  url: string;
  team: { id: string };
  createdAt: string;
  updatedAt: string;
}

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
  const headers: Record<string, string> = {
    "content-type": "application/json; charset=utf-8",
    "linear-event": String((payload as { type?: unknown }).type),
    "linear-signature": await linearSignature(options.secret ?? TEST_LINEAR_WEBHOOK_SECRET, body),
    "user-agent": "Linear-Webhook",
  };
  if (options.delivery !== null) headers["linear-delivery"] = options.delivery ?? crypto.randomUUID();
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  return exports.default.fetch(new Request("https://switchboard.test/webhooks/linear", { method: "POST", headers, body: options.sendBody ?? body }));
}

const envelope = () => ({
  organizationId: TEST_LINEAR.organizationId,
  webhookTimestamp: Date.now(),
  webhookId: crypto.randomUUID(),
  // DateTime in @linear/sdk's types; JSON.stringify sends it as Linear does, an ISO string.
  createdAt: new Date(),
});

/** Issue `create` or `update` as Linear sends it; assignment is an update with `updatedFrom.assigneeId`. */
export function issueWebhook(
  issue: SeededIssue,
  options: { action: "create" | "update"; assigneeId?: string | null; updatedFrom?: Record<string, unknown> },
): EntityWebhookPayloadWithIssueData {
  const assignee = options.assigneeId === BOT.id ? { id: BOT.id, name: BOT.name, email: "switchboard@apps.linear.app", url: "https://linear.app/switchboard-dev/profiles/switchboard" } : undefined;
  return {
    ...envelope(),
    type: "Issue",
    action: options.action,
    actor: { id: HUMAN.id, name: HUMAN.name, email: HUMAN.email, url: HUMAN.url, type: "user" },
    url: issue.url,
    ...(options.updatedFrom ? { updatedFrom: options.updatedFrom } : {}),
    data: {
      id: issue.id,
      identifier: issue.identifier,
      number: issue.number,
      title: issue.title,
      description: issue.description,
      url: issue.url,
      priority: 0,
      priorityLabel: "No priority",
      prioritySortOrder: 0,
      sortOrder: issue.number,
      createdAt: issue.createdAt,
      updatedAt: new Date().toISOString(),
      teamId: issue.team.id,
      team: { id: issue.team.id, key: issue.identifier.split("-")[0]!, name: "Team" },
      stateId: "00000000-0000-4000-8000-000000000001",
      state: { id: "00000000-0000-4000-8000-000000000001", name: "Triage", type: "triage", color: "#fc7840" },
      labelIds: [],
      labels: [],
      previousIdentifiers: [],
      reactionData: {},
      releases: [],
      subscriberIds: [HUMAN.id],
      creatorId: HUMAN.id,
      ...(options.assigneeId !== undefined ? { assigneeId: options.assigneeId } : {}),
      ...(assignee ? { assignee } : {}),
    },
  };
}

export function commentWebhook(issue: SeededIssue, body: string, user: { id: string; name: string } = HUMAN, parentId?: string): EntityWebhookPayloadWithCommentData {
  const now = new Date().toISOString();
  return {
    ...envelope(),
    type: "Comment",
    action: "create",
    actor: { id: user.id, name: user.name, email: "someone@example.com", url: "https://linear.app/x", type: "user" },
    data: {
      id: crypto.randomUUID(),
      body,
      createdAt: now,
      updatedAt: now,
      reactionData: {},
      issueId: issue.id,
      issue: { id: issue.id, identifier: issue.identifier, title: issue.title, url: issue.url, teamId: issue.team.id, team: { id: issue.team.id, key: "T", name: "Team" } },
      userId: user.id,
      user: { id: user.id, name: user.name, email: "someone@example.com", url: "https://linear.app/x" },
      ...(parentId ? { parentId } : {}),
    },
  };
}

export function notificationWebhook(
  issue: SeededIssue,
  type: "issueAssignedToYou" | "issueMention" | "issueCommentMention" | "issueNewComment",
  comment?: { id: string; body: string },
): AppUserNotificationWebhookPayloadWithNotification {
  const now = new Date().toISOString();
  const issueChild = { id: issue.id, identifier: issue.identifier, title: issue.title, url: issue.url, description: issue.description, teamId: issue.team.id, team: { id: issue.team.id, key: "T", name: "Team" } };
  const base = { id: crypto.randomUUID(), createdAt: now, updatedAt: now, userId: BOT.id, actorId: HUMAN.id, actor: { ...HUMAN }, issueId: issue.id, issue: issueChild };
  const notification =
    type === "issueCommentMention" || type === "issueNewComment"
      ? { ...base, type, commentId: comment!.id, comment: { ...comment!, issueId: issue.id, userId: HUMAN.id } }
      : { ...base, type };
  return {
    ...envelope(),
    type: "AppUserNotification",
    action: type,
    appUserId: BOT.id,
    oauthClientId: OAUTH_CLIENT_ID,
    notification: notification as AppUserNotificationWebhookPayloadWithNotification["notification"],
  };
}

export function sessionCreatedWebhook(issue: SeededIssue, sessionId: string, comment?: { id: string; body: string }, appUserId: string = BOT.id): AgentSessionEventWebhookPayload {
  const now = new Date().toISOString();
  return {
    ...envelope(),
    type: "AgentSessionEvent",
    action: "created",
    appUserId,
    oauthClientId: OAUTH_CLIENT_ID,
    promptContext: `<issue identifier="${issue.identifier}"><title>${issue.title}</title></issue>`,
    agentSession: {
      id: sessionId,
      appUserId,
      organizationId: TEST_LINEAR.organizationId,
      status: "pending",
      type: "commentThread",
      createdAt: now,
      updatedAt: now,
      issueId: issue.id,
      issue: { id: issue.id, identifier: issue.identifier, title: issue.title, url: issue.url, description: issue.description, teamId: issue.team.id, team: { id: issue.team.id, key: "T", name: "Team" } },
      creatorId: HUMAN.id,
      creator: { ...HUMAN },
      ...(comment ? { commentId: comment.id, comment: { ...comment, issueId: issue.id, userId: HUMAN.id } } : {}),
    },
  };
}

export function sessionPromptedWebhook(issue: SeededIssue, sessionId: string, activity: { id: string; createdAt: string }, body: string, signal?: "stop"): AgentSessionEventWebhookPayload {
  const created = sessionCreatedWebhook(issue, sessionId);
  return {
    ...created,
    action: "prompted",
    agentActivity: {
      id: activity.id,
      agentSessionId: sessionId,
      content: { type: "prompt", body },
      createdAt: activity.createdAt,
      updatedAt: activity.createdAt,
      userId: HUMAN.id,
      user: { ...HUMAN },
      ...(signal ? { signal } : {}),
    },
  };
}
