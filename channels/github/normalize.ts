import { z } from "zod";
import type { InboundRequest, Interpretation } from "../../src/channel.ts";
import type { EventKind, NormalizedEventInput } from "../../src/event.ts";
import type { GitHubConfig } from "./config.ts";

const User = z.object({ id: z.number(), login: z.string(), type: z.string().optional() });
const Label = z.object({ name: z.string() });
const Repository = z.object({
  name: z.string(),
  full_name: z.string(),
  owner: z.object({ login: z.string() }),
});
const Issue = z.object({
  number: z.number().int().positive(),
  title: z.string(),
  body: z.string().nullable().optional(),
  html_url: z.string(),
  labels: z.array(Label).optional(),
  pull_request: z.unknown().optional(),
  updated_at: z.string().optional(),
  created_at: z.string(),
});
const PullRequest = Issue.extend({
  draft: z.boolean().optional(),
  additions: z.number().int().nonnegative().optional(),
  deletions: z.number().int().nonnegative().optional(),
  changed_files: z.number().int().nonnegative().optional(),
  base: z.object({ ref: z.string() }).optional(),
  head: z.object({ ref: z.string() }).optional(),
});
const Comment = z.object({ id: z.number(), body: z.string(), html_url: z.string(), created_at: z.string() });
const Envelope = z.object({
  action: z.string().optional(),
  sender: User,
  repository: Repository,
  installation: z.object({ id: z.number() }).optional(),
});

type Envelope = z.infer<typeof Envelope>;

/**
 * Turns a verified GitHub delivery into a normalized event, or says why it starts no turn.
 * Triggers: issues opened/reopened/assigned-to-the-bot, pull requests opened (not drafts) or
 * ready for review, and issue or review comments (which start a turn when they mention the
 * bot, or when the bot already takes part in the conversation — the agent knows that).
 */
export function interpretGitHub(request: InboundRequest, config: GitHubConfig): Interpretation {
  const name = request.headers.get("x-github-event");
  const delivery = request.headers.get("x-github-delivery");
  if (!name || !delivery) return { type: "malformed", reason: "missing X-GitHub-Event or X-GitHub-Delivery header" };
  let payload: unknown;
  try {
    payload = JSON.parse(request.text);
  } catch {
    return { type: "malformed", reason: "body is not valid JSON" };
  }
  if (name === "ping") return { type: "respond", status: 200, body: { ok: true, pong: true } };

  const envelope = Envelope.safeParse(payload);
  if (!envelope.success) {
    const handled = ["issues", "pull_request", "issue_comment", "pull_request_review_comment"].includes(name);
    return handled
      ? { type: "malformed", reason: `not a valid ${name} payload` }
      : { type: "ignore", reason: `GitHub "${name}" events are not handled` };
  }
  const base = envelope.data;
  const event = `${name}.${base.action ?? ""}`;
  const allowed = allowlisted(base.repository, config.allowlist);
  if (!allowed) return { type: "ignore", reason: `${base.repository.full_name} is not in GITHUB_ALLOWLIST` };
  const context = { delivery, base, config };

  switch (event) {
    case "issues.opened":
    case "issues.reopened":
    case "issues.assigned": {
      const parsed = z.object({ issue: Issue, assignee: User.nullable().optional() }).safeParse(payload);
      if (!parsed.success) return { type: "malformed", reason: `not a valid ${event} payload` };
      const { issue, assignee } = parsed.data;
      if (event === "issues.assigned" && !(assignee && isBotLogin(assignee.login, config.botName))) {
        return { type: "ignore", reason: "assigned to someone other than the bot" };
      }
      const kind: EventKind = event === "issues.opened" ? "issue_opened" : event === "issues.reopened" ? "issue_reopened" : "issue_assigned";
      return emit(context, kind, issue, { text: issue.body ?? "", addressedToBot: true, isPullRequest: false });
    }
    case "pull_request.opened":
    case "pull_request.ready_for_review": {
      const parsed = z.object({ pull_request: PullRequest }).safeParse(payload);
      if (!parsed.success) return { type: "malformed", reason: `not a valid ${event} payload` };
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
      const parsed = z.object({ comment: Comment, issue: Issue.optional(), pull_request: PullRequest.optional() }).safeParse(payload);
      const thread = parsed.success ? (review ? parsed.data.pull_request : parsed.data.issue) : undefined;
      if (!parsed.success || !thread) return { type: "malformed", reason: `not a valid ${event} payload` };
      const { comment } = parsed.data;
      return emit(context, review ? "review_comment" : "comment", thread, {
        text: comment.body.replace(mentionPattern(config.botName, "g"), "$1").trim(),
        addressedToBot: mentionPattern(config.botName).test(comment.body),
        isPullRequest: review || thread.pull_request !== undefined,
        commentId: comment.id,
        url: comment.html_url,
        occurredAt: comment.created_at,
      });
    }
    default:
      return { type: "ignore", reason: `GitHub "${event}" events do not start a turn` };
  }
}

interface EmitOptions {
  text: string;
  addressedToBot: boolean;
  isPullRequest: boolean;
  commentId?: number;
  url?: string;
  occurredAt?: string;
  changes?: NormalizedEventInput["changes"];
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
    conversationKey: `github:${owner}/${repo}#${thread.number}`,
    kind,
    actor: {
      id: String(base.sender.id),
      name: base.sender.login,
      isBot: base.sender.type === "Bot",
      isSelf: isBotLogin(base.sender.login, config.botName),
    },
    text: options.text,
    addressedToBot: options.addressedToBot,
    title: thread.title,
    url: options.url ?? thread.html_url,
    labels: (thread.labels ?? []).map((label) => label.name),
    occurredAt: options.occurredAt ?? (kind === "issue_opened" || kind === "pr_opened" ? thread.created_at : new Date().toISOString()),
    replyTo: {
      channel: "github",
      owner,
      repo,
      number: thread.number,
      isPullRequest: options.isPullRequest,
      ...(base.installation ? { installationId: base.installation.id } : {}),
      ...(options.commentId ? { commentId: options.commentId } : {}),
    },
    ...(options.changes ? { changes: options.changes } : {}),
  };
  return { type: "event", event };
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
