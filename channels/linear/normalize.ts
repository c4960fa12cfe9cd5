import { z } from "zod";
import type { InboundRequest, Interpretation } from "../../src/channel.ts";
import type { EventKind, NormalizedEventInput } from "../../src/event.ts";
import { malformed, parseJsonBody, PlatformId } from "../../src/payload.ts";
import { approvalAnswer } from "./approval.ts";
import { knownBotUserId } from "./client.ts";
import type { LinearConfig } from "./config.ts";

// Only the fields Switchboard reads; Linear's full shapes are @linear/sdk/webhooks' payload types.
/** Times that become the event's `occurredAt` (ISO 8601, as Linear sends them). */
const Timestamp = z.iso.datetime({ offset: true });
const User = z.object({ id: PlatformId, name: z.string().optional(), email: z.string().optional() });
const Team = z.object({ id: z.string(), key: z.string().optional() });
const IssueRef = z.object({ id: PlatformId, identifier: z.string().optional(), title: z.string(), url: z.string().optional(), description: z.string().nullish(), team: Team.optional() });
const Envelope = z.object({
  type: z.string().max(100),
  action: z.string().max(100),
  organizationId: PlatformId,
  webhookTimestamp: z.number(),
  createdAt: Timestamp.optional(),
});
const IssueEvent = Envelope.extend({
  actor: z.object({ id: PlatformId, name: z.string().optional(), type: z.string().optional() }).nullish(),
  data: z.object({
    id: PlatformId,
    identifier: z.string(),
    title: z.string(),
    description: z.string().nullish(),
    url: z.string(),
    assigneeId: z.string().nullish(),
    labels: z.array(z.object({ name: z.string() })).optional(),
    stateId: z.string().optional(),
    state: z.object({ name: z.string().max(100), type: z.string().max(40) }).optional(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  }),
  updatedFrom: z.record(z.string(), z.unknown()).nullish(),
});
const CommentEvent = Envelope.extend({
  data: z.object({
    id: PlatformId,
    body: z.string(),
    issueId: PlatformId.nullish(),
    issue: IssueRef.partial({ title: true }).nullish(),
    parentId: PlatformId.nullish(),
    userId: PlatformId.nullish(),
    user: User.nullish(),
    botActor: z.unknown().optional(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  }),
});
const NotificationEvent = Envelope.extend({
  appUserId: z.string(),
  notification: z.object({
    id: PlatformId,
    type: z.string().max(100),
    issue: IssueRef.optional(),
    comment: z.object({ id: PlatformId, body: z.string(), userId: z.string().nullish() }).optional(),
    parentComment: z.object({ id: PlatformId }).nullish(),
    actor: User.nullish(),
    createdAt: Timestamp,
  }),
});
const SessionEvent = Envelope.extend({
  appUserId: z.string(),
  promptContext: z.string().nullish(),
  agentSession: z.object({
    id: PlatformId,
    issue: IssueRef.nullish(),
    issueId: PlatformId.nullish(),
    comment: z.object({ id: z.string(), body: z.string() }).nullish(),
    creator: User.nullish(),
    updatedAt: Timestamp,
  }),
  agentActivity: z
    .object({
      id: PlatformId,
      content: z.record(z.string(), z.unknown()),
      signal: z.string().nullish(),
      user: User.nullish(),
      userId: PlatformId.nullish(),
      sourceCommentId: PlatformId.nullish(),
      createdAt: Timestamp,
    })
    .nullish(),
});

/** A Map, not an object: a notification type such as "constructor" must find nothing. */
const NOTIFICATION_KINDS = new Map<string, EventKind>([
  ["issueAssignedToYou", "issue_assigned"],
  ["issueMention", "mention"],
  ["issueCommentMention", "mention"],
]);

/** Linear's workflow state types that end an issue. */
const CLOSED_STATE_TYPES = new Set(["completed", "canceled"]);

/** Two webhooks about the same assignment within this window are one occurrence (see `assignmentAliases`). */
const ASSIGNMENT_WINDOW_MS = 60_000;

/**
 * Turns a verified Linear delivery into a normalized event, or says why it starts no turn.
 * Triggers: Issue create/update assigning the bot, AppUserNotification (assigned, mentioned),
 * AgentSessionEvent created/prompted (stop → cancel) for our app user, and comments that mention
 * the bot or land on an issue it already works on. The bot's own comments and activities are
 * marked `isSelf`, which the ingress policy drops.
 */
export function interpretLinear(request: InboundRequest, config: LinearConfig): Interpretation {
  const body = parseJsonBody(request.text);
  if (!body.ok) return body.malformed;
  const payload = body.value;
  const envelope = Envelope.safeParse(payload);
  if (!envelope.success) return malformed(envelope.error);
  const { type, action, organizationId } = envelope.data;
  if (config.organizationAllowlist.length > 0 && !config.organizationAllowlist.includes(organizationId)) {
    return { type: "ignore", reason: `organization ${organizationId} is not in LINEAR_ORGANIZATION_ALLOWLIST` };
  }
  const botId = knownBotUserId(config, organizationId);
  const delivery = request.headers.get("linear-delivery");
  const context: Context = { config, botId, delivery };

  const interpretation = interpret(type, action, payload, context, organizationId);
  // The organization travels with the reply target: it picks the installation's token.
  if (interpretation.type === "event") interpretation.event.replyTo = { ...interpretation.event.replyTo, organizationId };
  return interpretation;
}

function interpret(type: string, action: string, payload: unknown, context: Context, organizationId: string): Interpretation {
  switch (type) {
    case "OAuthApp":
      // The workspace revoked the app (Settings → Applications): its installation goes.
      return action === "revoked"
        ? { type: "installation", change: { id: organizationId, status: "removed", reason: "the workspace revoked the app (OAuthApp revoked)" } }
        : { type: "ignore", reason: `OAuthApp "${action}" webhooks change nothing` };
    case "Issue":
      return issueEvent(payload, context);
    case "Comment":
      return action === "create" ? commentEvent(payload, context) : { type: "ignore", reason: `Comment "${action}" events do not start a turn` };
    case "AppUserNotification":
      return notificationEvent(payload, context);
    case "AgentSessionEvent":
      return sessionEvent(payload, context);
    default:
      return { type: "ignore", reason: `Linear "${type}" webhooks are not handled` };
  }
}

interface Context {
  readonly config: LinearConfig;
  readonly botId: string | undefined;
  readonly delivery: string | null;
}

function issueEvent(payload: unknown, { config, botId, delivery }: Context): Interpretation {
  const parsed = IssueEvent.safeParse(payload);
  if (!parsed.success) return malformed(parsed.error);
  const { action, data, updatedFrom, actor } = parsed.data;
  if (action !== "create" && action !== "update") return { type: "ignore", reason: `Issue "${action}" events do not start a turn` };
  // Moved to a completed or canceled state: heard where a chat thread follows the ticket.
  if (action === "update" && updatedFrom != null && "stateId" in updatedFrom && data.state && CLOSED_STATE_TYPES.has(data.state.type)) {
    return emit({
      dedupeId: delivery ?? `Issue:${data.id}:closed:${data.updatedAt}`,
      aliases: [`linear:closed:${data.id}:${data.stateId ?? data.state.name}:${data.updatedAt}`],
      issueId: data.id,
      kind: "issue_closed",
      actor: { id: actor?.id ?? "linear", name: actor?.name ?? "Linear", isBot: actor?.type !== undefined && actor.type !== "user", isSelf: actor?.id !== undefined && actor.id === botId },
      text: `moved to ${data.state.name}`,
      addressedToBot: false,
      title: data.title,
      url: data.url,
      occurredAt: data.updatedAt,
      botName: config.botName,
    });
  }
  if (!botId) return { type: "ignore", reason: "the bot's Linear user id is unknown; set LINEAR_BOT_USER_ID" };
  // Assignment arrives as an update whose `updatedFrom` holds the previous assigneeId.
  const assignedNow = data.assigneeId === botId;
  const assignedByThis = action === "create" ? assignedNow : assignedNow && updatedFrom != null && "assigneeId" in updatedFrom && updatedFrom.assigneeId !== botId;
  if (!assignedByThis) return { type: "ignore", reason: action === "create" ? "created without assigning the bot" : "an update that does not assign the issue to the bot" };
  const occurredAt = action === "create" ? data.createdAt : data.updatedAt;
  return emit({
    dedupeId: delivery ?? `Issue:${data.id}:${action}:${data.updatedAt}`,
    aliases: assignmentAliases(data.id, occurredAt),
    issueId: data.id,
    kind: "issue_assigned",
    actor: { id: actor?.id ?? "linear", name: actor?.name ?? "Linear", isBot: actor?.type !== undefined && actor.type !== "user", isSelf: actor?.id === botId },
    text: data.description ?? "",
    addressedToBot: true,
    title: data.title,
    url: data.url,
    labels: (data.labels ?? []).map((label) => label.name),
    occurredAt,
    botName: config.botName,
  });
}

function commentEvent(payload: unknown, { config, botId, delivery }: Context): Interpretation {
  const parsed = CommentEvent.safeParse(payload);
  if (!parsed.success) return malformed(parsed.error);
  const { data } = parsed.data;
  const issueId = data.issueId ?? data.issue?.id;
  if (!issueId) return { type: "ignore", reason: "a comment that is not on an issue" };
  const userId = data.userId ?? data.user?.id ?? "unknown";
  const mentioned = mentionPattern(config.botName).test(data.body);
  const text = data.body.replace(mentionPattern(config.botName, "g"), "$1").trim();
  return emit({
    dedupeId: delivery ?? `Comment:${data.id}:create:${data.updatedAt}`,
    aliases: [`linear:comment:${data.id}`],
    issueId,
    kind: "comment",
    actor: { id: userId, name: data.user?.name ?? userId, isBot: data.botActor != null, isSelf: userId === botId },
    text,
    addressedToBot: mentioned,
    approval: approvalAnswer(text, "comment"),
    title: data.issue?.title,
    url: data.issue?.url ?? undefined,
    occurredAt: data.createdAt,
    parentCommentId: data.parentId ?? data.id,
    botName: config.botName,
  });
}

function notificationEvent(payload: unknown, { config, delivery }: Context): Interpretation {
  const parsed = NotificationEvent.safeParse(payload);
  if (!parsed.success) return malformed(parsed.error);
  const { notification, appUserId } = parsed.data;
  if (config.appUserId && appUserId !== config.appUserId) return { type: "ignore", reason: "a notification for another app user" };
  const kind = NOTIFICATION_KINDS.get(notification.type);
  if (!kind) return { type: "ignore", reason: `"${notification.type}" notifications do not start a turn` };
  const issue = notification.issue;
  if (!issue) return { type: "malformed", reason: `notification.issue: required in a ${notification.type} notification` };
  const comment = notification.comment;
  const text = comment ? comment.body.replace(mentionPattern(config.botName, "g"), "$1").trim() : (issue.description ?? "");
  return emit({
    dedupeId: delivery ?? `AppUserNotification:${notification.id}:${parsed.data.action}:${notification.createdAt}`,
    // The same assignment or comment may also arrive as an Issue or Comment webhook.
    aliases: kind === "issue_assigned" ? assignmentAliases(issue.id, notification.createdAt) : comment ? [`linear:comment:${comment.id}`] : [],
    issueId: issue.id,
    kind,
    actor: { id: notification.actor?.id ?? "linear", name: notification.actor?.name ?? "Linear", isBot: false, isSelf: notification.actor?.id === appUserId },
    text,
    addressedToBot: true,
    title: issue.title,
    url: issue.url,
    occurredAt: notification.createdAt,
    approval: comment ? approvalAnswer(text, "comment") : undefined,
    ...(comment ? { parentCommentId: notification.parentComment?.id ?? comment.id } : {}),
    botName: config.botName,
  });
}

function sessionEvent(payload: unknown, { config, botId, delivery }: Context): Interpretation {
  const parsed = SessionEvent.safeParse(payload);
  if (!parsed.success) return malformed(parsed.error);
  const { action, appUserId, agentSession: session, agentActivity, promptContext } = parsed.data;
  const ours = config.appUserId ?? botId;
  if (ours && appUserId !== ours) return { type: "ignore", reason: "a session of another app user" };
  const issueId = session.issue?.id ?? session.issueId;
  if (!issueId) return { type: "ignore", reason: "a session that is not on an issue" };
  const base = {
    issueId,
    agentSessionId: session.id,
    title: session.issue?.title,
    url: session.issue?.url,
    botName: config.botName,
  };
  if (action === "created") {
    const creator = session.creator;
    return emit({
      ...base,
      dedupeId: delivery ?? `AgentSessionEvent:${session.id}:created:${session.updatedAt}`,
      aliases: [`linear:session:${session.id}:created`],
      // Delegated: triage the issue; @-mentioned in a comment: answer the comment.
      kind: session.comment ? "mention" : "issue_assigned",
      actor: { id: creator?.id ?? "linear", name: creator?.name ?? "Linear", isBot: false, isSelf: creator?.id === appUserId },
      text: session.comment
        ? session.comment.body.replace(mentionPattern(config.botName, "g"), "$1").trim()
        : (session.issue?.description ?? promptContext ?? ""),
      addressedToBot: true,
      occurredAt: parsed.data.createdAt ?? session.updatedAt,
    });
  }
  if (action === "prompted") {
    if (!agentActivity) return { type: "malformed", reason: "agentActivity: required in a prompted session event" };
    const userId = agentActivity.userId ?? agentActivity.user?.id ?? "unknown";
    const body = typeof agentActivity.content.body === "string" ? agentActivity.content.body : "";
    const stop = agentActivity.signal === "stop";
    // Picking an option of the bot's approval request comes back as this prompt.
    const approval = stop ? undefined : approvalAnswer(body, "session");
    // An answer typed in the session's thread is also a comment, whose webhook must not decide a
    // second request that may be open by the time it arrives.
    const answeredIn = approval && agentActivity.sourceCommentId ? [`linear:comment:${agentActivity.sourceCommentId}`] : [];
    return emit({
      ...base,
      dedupeId: delivery ?? `AgentSessionEvent:${agentActivity.id}:prompted:${agentActivity.createdAt}`,
      aliases: [`linear:activity:${agentActivity.id}`, ...answeredIn],
      kind: stop ? "cancel" : "message",
      actor: { id: userId, name: agentActivity.user?.name ?? userId, isBot: false, isSelf: userId === appUserId },
      text: body,
      addressedToBot: true,
      occurredAt: agentActivity.createdAt,
      approval,
    });
  }
  return { type: "ignore", reason: `AgentSessionEvent "${action}" does not start a turn` };
}

/**
 * An assignment can reach the bot as an Issue update and as an `issueAssignedToYou`
 * notification. Both carry aliases for the neighbouring minutes, so whichever comes second is
 * a duplicate, while a re-assignment minutes later starts a new turn.
 */
function assignmentAliases(issueId: string, occurredAt: string): string[] {
  const bucket = Math.floor(Date.parse(occurredAt) / ASSIGNMENT_WINDOW_MS);
  if (!Number.isFinite(bucket)) return [];
  return [bucket - 1, bucket, bucket + 1].map((b) => `linear:assigned:${issueId}:${b}`);
}

interface EmitInput {
  dedupeId: string;
  aliases: string[];
  issueId: string;
  agentSessionId?: string;
  parentCommentId?: string;
  kind: EventKind;
  actor: NormalizedEventInput["actor"];
  text: string;
  addressedToBot: boolean;
  title?: string | undefined;
  url?: string | undefined;
  labels?: string[];
  occurredAt: string;
  botName: string;
  /** A person's answer to an approval request (no id: the oldest one open in the conversation). */
  approval?: { approve: boolean } | undefined;
}

function emit(input: EmitInput): Interpretation {
  const event: NormalizedEventInput = {
    channel: "linear",
    dedupeId: input.dedupeId.slice(0, 200),
    aliases: input.aliases,
    conversationKey: `linear:${input.issueId}`,
    kind: input.kind,
    actor: input.actor,
    text: input.text.slice(0, 65_536),
    addressedToBot: input.addressedToBot,
    ...(input.title !== undefined ? { title: input.title.slice(0, 1024) } : {}),
    ...(input.url ? { url: input.url } : {}),
    ...(input.labels ? { labels: input.labels } : {}),
    occurredAt: input.occurredAt,
    ...(input.approval ? { approval: input.approval } : {}),
    replyTo: {
      issueId: input.issueId,
      ...(input.agentSessionId ? { agentSessionId: input.agentSessionId } : {}),
      ...(input.parentCommentId ? { parentCommentId: input.parentCommentId } : {}),
    },
  };
  return { type: "event", event };
}

/** `@switchboard` as typed in a Linear comment (Linear keeps the handle in the Markdown body). */
function mentionPattern(botName: string, flags = ""): RegExp {
  const escaped = botName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\w/@-])@${escaped}(?![\\w-])`, `i${flags}`);
}
