// Linear webhooks as Linear sends them: payloads typed with @linear/sdk's own webhook types and
// the bare-hex HMAC signature. Runtime-agnostic: used by the playground in Node and by tests in
// workerd.
import type {
  AgentSessionEventWebhookPayload,
  AppUserNotificationWebhookPayloadWithNotification,
  EntityWebhookPayloadWithCommentData,
  EntityWebhookPayloadWithIssueData,
} from "@linear/sdk/webhooks";
import { linearSignature } from "../channels/linear/verify.ts";

export interface LinearWorkspace {
  readonly organizationId: string;
  readonly botUserId: string;
}

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

/** Linear's headers for `body`. */
export async function signLinear(body: string, secret: string, delivery: string | null = crypto.randomUUID()): Promise<Record<string, string>> {
  const payload = JSON.parse(body) as { type?: unknown };
  return {
    "content-type": "application/json; charset=utf-8",
    "linear-event": String(payload.type),
    "linear-signature": await linearSignature(secret, body),
    "user-agent": "Linear-Webhook",
    ...(delivery !== null ? { "linear-delivery": delivery } : {}),
  };
}

/** The webhook builders for one workspace (its organization and the bot's user). */
export function linearEvents(workspace: LinearWorkspace) {
  const BOT = { id: workspace.botUserId, name: "switchboard" } as const;
  const envelope = () => ({
    organizationId: workspace.organizationId,
    webhookTimestamp: Date.now(),
    webhookId: crypto.randomUUID(),
    // DateTime in @linear/sdk's types; JSON.stringify sends it as Linear does, an ISO string.
    createdAt: new Date(),
  });

  /** Issue `create` or `update` as Linear sends it; assignment is an update with `updatedFrom.assigneeId`. */
  function issueWebhook(
    issue: SeededIssue,
    options: {
      action: "create" | "update";
      assigneeId?: string | null;
      updatedFrom?: Record<string, unknown>;
      /** The workflow state the issue is in now (default: Triage); a move is `updatedFrom.stateId`. */
      state?: { id: string; name: string; type: string };
    },
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
        stateId: options.state?.id ?? "00000000-0000-4000-8000-000000000001",
        state: options.state ? { color: "#5e6ad2", ...options.state } : { id: "00000000-0000-4000-8000-000000000001", name: "Triage", type: "triage", color: "#fc7840" },
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

  function commentWebhook(issue: SeededIssue, body: string, user: { id: string; name: string } = HUMAN, parentId?: string): EntityWebhookPayloadWithCommentData {
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

  function notificationWebhook(
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

  function sessionCreatedWebhook(issue: SeededIssue, sessionId: string, comment?: { id: string; body: string }, appUserId: string = BOT.id): AgentSessionEventWebhookPayload {
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
        organizationId: workspace.organizationId,
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

  function sessionPromptedWebhook(issue: SeededIssue, sessionId: string, activity: { id: string; createdAt: string }, body: string, signal?: "stop"): AgentSessionEventWebhookPayload {
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

  /**
   * Someone picking one of an elicitation's options (the `select` signal): Linear sends the choice
   * as an ordinary prompt whose body is the option's value, from whoever picked it.
   */
  function sessionChoiceWebhook(
    issue: SeededIssue,
    sessionId: string,
    activity: { id: string; createdAt: string },
    value: string,
    user: { id: string; name: string } = HUMAN,
  ): AgentSessionEventWebhookPayload {
    const prompted = sessionPromptedWebhook(issue, sessionId, activity, value);
    const person = { id: user.id, name: user.name, email: `${user.name.toLowerCase().replace(/\W+/g, ".")}@example.com`, url: `https://linear.app/switchboard-dev/profiles/${user.id}` };
    return { ...prompted, agentActivity: { ...prompted.agentActivity!, userId: user.id, user: person } };
  }

  return { BOT, issueWebhook, commentWebhook, notificationWebhook, sessionCreatedWebhook, sessionPromptedWebhook, sessionChoiceWebhook };
}
