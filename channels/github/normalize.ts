import { z } from "zod";
import type { InboundRequest, Interpretation } from "../../src/channel.ts";
import type { EventKind, NormalizedEventInput } from "../../src/event.ts";
import { malformed, parseJsonBody } from "../../src/payload.ts";
import { approvalCommand } from "./approval.ts";
import type { GitHubConfig } from "./config.ts";
import { installationEvent } from "./install.ts";

// Only the fields Switchboard reads; GitHub's full shapes are @octokit/webhooks-types.
const User = z.object({ id: z.number().int().nonnegative(), login: z.string(), type: z.string().optional() });
const Label = z.object({ name: z.string() });
/** Owner and repository names as GitHub allows them: they become API paths and conversation keys. */
const Repository = z.object({
  name: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, "must be a GitHub repository name"),
  full_name: z.string(),
  owner: z.object({ login: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "must be a GitHub login") }),
});
const Timestamp = z.iso.datetime({ offset: true });
const Issue = z.object({
  number: z.number().int().positive(),
  title: z.string(),
  body: z.string().nullable().optional(),
  html_url: z.string(),
  labels: z.array(Label).optional(),
  pull_request: z.unknown().optional(),
  created_at: Timestamp,
  closed_at: Timestamp.nullish(),
  state_reason: z.string().max(40).nullish(),
  /** Who opened it, and its comments before the one a comment event delivers. */
  user: z.object({ login: z.string() }).optional(),
  comments: z.number().int().nonnegative().optional(),
});
const PullRequest = Issue.extend({
  draft: z.boolean().optional(),
  additions: z.number().int().nonnegative().optional(),
  deletions: z.number().int().nonnegative().optional(),
  changed_files: z.number().int().nonnegative().optional(),
  base: z.object({ ref: z.string() }).optional(),
  head: z.object({ ref: z.string() }).optional(),
});
const Comment = z.object({
  id: z.number().int().positive(),
  body: z.string(),
  html_url: z.string(),
  created_at: Timestamp,
  /** OWNER, MEMBER, COLLABORATOR…: what the author is to the repository. */
  author_association: z.string().max(40).optional(),
});
const Envelope = z.object({
  action: z.string().max(100).optional(),
  sender: User,
  repository: Repository,
  installation: z.object({ id: z.number().int().positive() }).optional(),
});
/** GitHub's delivery ids are GUIDs; the dedupe id holds 200 characters. */
const DeliveryId = z.string().min(1).max(200);
const IssueDelivery = z.object({ issue: Issue, assignee: User.nullable().optional() });
const PullRequestDelivery = z.object({ pull_request: PullRequest });
const IssueComment = z.object({ comment: Comment, issue: Issue });
const ReviewComment = z.object({ comment: Comment, pull_request: PullRequest });

type Envelope = z.infer<typeof Envelope>;

/**
 * Turns a verified GitHub delivery into a normalized event, or says why it starts no turn.
 * Triggers: issues opened/reopened/assigned-to-the-bot, pull requests opened (not drafts) or
 * ready for review, and issue or review comments (which start a turn when they mention the
 * bot, or when the bot already takes part in the conversation — the agent knows that).
 */
export function interpretGitHub(request: InboundRequest, config: GitHubConfig): Interpretation {
  const name = request.headers.get("x-github-event");
  if (!name) return { type: "malformed", reason: "X-GitHub-Event: required header" };
  const delivery = DeliveryId.safeParse(request.headers.get("x-github-delivery"));
  if (!delivery.success) return { type: "malformed", reason: "X-GitHub-Delivery: required header of at most 200 characters" };
  const body = parseJsonBody(request.text);
  if (!body.ok) return body.malformed;
  const payload = body.value;
  if (name === "ping") return { type: "respond", status: 200, body: { ok: true, pong: true } };

  if (name === "installation" || name === "installation_repositories") {
    return installationEvent(name, (payload as { action?: string }).action, payload);
  }
  const envelope = Envelope.safeParse(payload);
  if (!envelope.success) {
    const handled = ["issues", "pull_request", "issue_comment", "pull_request_review_comment"].includes(name);
    return handled ? malformed(envelope.error) : { type: "ignore", reason: `GitHub "${name.slice(0, 100)}" events are not handled` };
  }
  const base = envelope.data;
  const event = `${name}.${base.action ?? ""}`;
  const allowed = allowlisted(base.repository, config.allowlist);
  if (!allowed) return { type: "ignore", reason: `${base.repository.full_name} is not in GITHUB_ALLOWLIST` };
  const context = { delivery: delivery.data, base, config };

  switch (event) {
    case "issues.opened":
    case "issues.reopened":
    case "issues.assigned": {
      const parsed = IssueDelivery.safeParse(payload);
      if (!parsed.success) return malformed(parsed.error);
      const { issue, assignee } = parsed.data;
      if (event === "issues.assigned" && !(assignee && isBotLogin(assignee.login, config.botName))) {
        return { type: "ignore", reason: "assigned to someone other than the bot" };
      }
      const kind: EventKind = event === "issues.opened" ? "issue_opened" : event === "issues.reopened" ? "issue_reopened" : "issue_assigned";
      return emit(context, kind, issue, { text: issue.body ?? "", addressedToBot: true, isPullRequest: false });
    }
    case "issues.closed": {
      const parsed = IssueDelivery.safeParse(payload);
      if (!parsed.success) return malformed(parsed.error);
      const { issue } = parsed.data;
      // Heard where the bot takes part, or where a chat thread follows the ticket; one close, whatever its delivery id.
      return emit(context, "issue_closed", issue, {
        text: issue.state_reason === "not_planned" ? "closed as not planned" : "closed as completed",
        addressedToBot: false,
        isPullRequest: false,
        occurredAt: issue.closed_at ?? undefined,
        aliases: [`github:closed:${base.repository.full_name}#${issue.number}:${issue.closed_at ?? delivery.data}`],
      });
    }
    case "pull_request.opened":
    case "pull_request.ready_for_review": {
      const parsed = PullRequestDelivery.safeParse(payload);
      if (!parsed.success) return malformed(parsed.error);
      const pr = parsed.data.pull_request;
      if (pr.draft) return { type: "ignore", reason: "draft pull request; the bot reviews it when it is ready for review" };
      return emit(context, event === "pull_request.opened" ? "pr_opened" : "pr_ready_for_review", pr, {
        text: pr.body ?? "",
        addressedToBot: true,
        isPullRequest: true,
        changes: {
          additions: pr.additions ?? 0,
          deletions: pr.deletions ?? 0,
          changedFiles: pr.changed_files ?? 0,
          ...(pr.base ? { baseRef: pr.base.ref } : {}),
          ...(pr.head ? { headRef: pr.head.ref } : {}),
        },
      });
    }
    case "issue_comment.created":
    case "pull_request_review_comment.created": {
      const review = event.startsWith("pull_request_review_comment");
      const parsed = (review ? ReviewComment : IssueComment).safeParse(payload);
      if (!parsed.success) return malformed(parsed.error);
      const { comment } = parsed.data;
      const thread = "pull_request" in parsed.data ? parsed.data.pull_request : parsed.data.issue;
      // The bot asks for approval in the conversation's comments; a review comment is not an answer.
      const approval = review ? undefined : approvalCommand(comment.body, config.botName);
      const addressedToBot = mentionPattern(config.botName).test(comment.body);
      // Bots' comments are the ingress policy's to refuse, with its own reason.
      const fromBot = base.sender.type === "Bot" || isBotLogin(base.sender.login, config.botName);
      if (!review && !addressedToBot && !approval && !fromBot && untouched(thread, config.botName)) {
        return { type: "ignore", reason: "not addressed to the bot, on an issue with no earlier comment: the bot has not taken part in it" };
      }
      return emit(context, review ? "review_comment" : "comment", thread, {
        text: comment.body.replace(mentionPattern(config.botName, "g"), "$1").trim(),
        addressedToBot,
        isPullRequest: review || thread.pull_request !== undefined,
        commentId: comment.id,
        url: comment.html_url,
        occurredAt: comment.created_at,
        ...(approval ? { approval } : {}),
        ...(comment.author_association ? { roles: [`association:${comment.author_association}`] } : {}),
      });
    }
    default:
      return { type: "ignore", reason: `GitHub "${event.slice(0, 200)}" events do not start a turn` };
  }
}

interface EmitOptions {
  text: string;
  addressedToBot: boolean;
  isPullRequest: boolean;
  commentId?: number;
  url?: string;
  occurredAt?: string | undefined;
  changes?: NormalizedEventInput["changes"];
  aliases?: string[];
  /** What the sender is to the repository (`association:MEMBER`), for who may speak for a ticket. */
  roles?: string[];
  /** `/approve` or `/deny`: meant for the oldest request open in the conversation. */
  approval?: NormalizedEventInput["approval"];
}

function emit(
  { delivery, base, config }: { delivery: string; base: Envelope; config: GitHubConfig },
  kind: EventKind,
  thread: z.infer<typeof Issue>,
  options: EmitOptions,
): Interpretation {
  const owner = base.repository.owner.login;
  const repo = base.repository.name;
  const event: NormalizedEventInput = {
    channel: "github",
    dedupeId: delivery,
    ...(options.aliases ? { aliases: options.aliases } : {}),
    conversationKey: `github:${owner}/${repo}#${thread.number}`,
    kind,
    actor: {
      id: String(base.sender.id),
      name: base.sender.login,
      isBot: base.sender.type === "Bot",
      isSelf: isBotLogin(base.sender.login, config.botName),
      ...(options.roles ? { roles: options.roles } : {}),
    },
    text: options.text,
    addressedToBot: options.addressedToBot,
    title: thread.title,
    url: options.url ?? thread.html_url,
    labels: (thread.labels ?? []).map((label) => label.name),
    occurredAt: options.occurredAt ?? (kind === "issue_opened" || kind === "pr_opened" ? thread.created_at : new Date().toISOString()),
    startedAt: thread.created_at,
    replyTo: {
      owner,
      repo,
      number: thread.number,
      isPullRequest: options.isPullRequest,
      ...(base.installation ? { installationId: base.installation.id } : {}),
      ...(options.commentId ? { commentId: options.commentId } : {}),
    },
    ...(options.changes ? { changes: options.changes } : {}),
    ...(options.approval ? { approval: options.approval } : {}),
  };
  return { type: "event", event };
}

/**
 * An issue (or pull request) the bot cannot have taken part in, from the delivery alone: every
 * way the bot takes part leaves a comment of its own there (its replies, approval requests, a
 * report added to a duplicate ticket), except opening the issue itself (a ticket it filed). A
 * comment's delivery counts the comments before it, so none before means none of the bot's.
 */
function untouched(issue: z.infer<typeof Issue>, botName: string): boolean {
  return issue.comments === 0 && issue.user !== undefined && !isBotLogin(issue.user.login, botName);
}

/** A token's user logs in as BOT_NAME; a GitHub App comments as `<slug>[bot]`. */
export function isBotLogin(login: string, botName: string): boolean {
  const normalized = login.toLowerCase();
  const bot = botName.toLowerCase();
  return normalized === bot || normalized === `${bot}[bot]`;
}

function mentionPattern(botName: string, flags = ""): RegExp {
  const escaped = botName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\w/@-])@${escaped}(\\[bot\\])?(?![\\w-])`, `i${flags}`);
}

function allowlisted(repository: Envelope["repository"], allowlist: readonly string[]): boolean {
  if (allowlist.length === 0) return true;
  const owner = repository.owner.login.toLowerCase();
  const full = repository.full_name.toLowerCase();
  return allowlist.some((entry) => entry === owner || entry === full);
}
