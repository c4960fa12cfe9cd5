import type { Octokit } from "@octokit/rest";
import type { PostedMessage } from "../../src/channel.ts";
import type { NormalizedEvent } from "../../src/event.ts";
import type { ApprovalOutcome, ApprovalRequest } from "../../src/harness/approval.ts";
import { APPROVER_ROLES, type ApproverRole, type GitHubConfig } from "./config.ts";
import type { GitHubTarget } from "./target.ts";

/**
 * A comment that answers the bot's request: `/approve` or `/deny` at its start, after the bot's
 * @-mention if there is one (`@switchboard /approve`, `/deny not on a Friday`). Anything else is
 * an ordinary comment. Reactions cannot answer: GitHub sends no webhook when someone reacts.
 */
export function approvalCommand(body: string, botName: string): { approve: boolean } | undefined {
  const handle = botName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`^\\s*(?:@${handle}(?:\\[bot\\])?[\\s,:]+)?/(approve|deny)(?![\\w-])`, "i").exec(body);
  return match ? { approve: match[1]!.toLowerCase() === "approve" } : undefined;
}

/** The request: what the agent wants to do, who may answer, how, and until when. */
export function requestBody(request: ApprovalRequest, config: GitHubConfig): string {
  return [
    `**${request.agent}** asks for approval to ${request.summary}.`,
    "",
    `Someone with ${config.approverRole} access to this repository: reply \`/approve\` to let it, or \`/deny\`. ` +
      `Without an answer it expires ${new Date(request.expiresAt).toISOString().replace("T", " ").slice(0, 16)} UTC.`,
  ].join("\n");
}

export function outcomeText(outcome: ApprovalOutcome): string {
  if (outcome.expired) return "⌛ Expired: nobody answered in time.";
  return outcome.approve ? `✅ Approved by @${outcome.by}` : `❌ Denied by @${outcome.by}`;
}

/**
 * Whether the commenter holds at least GITHUB_APPROVER_ROLE (write by default) on the repository,
 * as GitHub computes it from every grant (collaborator, team, organization). `role_name` names
 * custom roles too; for those, `permission` gives the base role they extend (maintain shows as
 * write there, so a custom role never counts for more than its base).
 */
export async function mayApprove(octokit: Octokit, target: GitHubTarget, config: GitHubConfig, event: NormalizedEvent): Promise<boolean> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner: target.owner, repo: target.repo, username: event.actor.name });
    return rank(data.role_name) >= rank(config.approverRole) || rank(data.permission) >= rank(config.approverRole);
  } catch (error) {
    // Not a user GitHub knows: nobody to trust.
    if (typeof error === "object" && error !== null && (error as { status?: unknown }).status === 404) return false;
    throw error;
  }
}

function rank(role: string): number {
  return APPROVER_ROLES.indexOf(role as ApproverRole);
}

/**
 * GitHub has no message only one person sees, so the refusal is a reply that names them. Once per
 * answer: a re-run finds it by its marker.
 */
export async function refuse(
  octokit: Octokit,
  target: GitHubTarget,
  event: NormalizedEvent,
  reason: string,
  marker: (key: string) => string,
): Promise<void> {
  const where = { owner: target.owner, repo: target.repo, issue_number: target.number };
  const hidden = marker(`refusal:${event.dedupeId}`);
  for await (const page of octokit.paginate.iterator(octokit.rest.issues.listComments, { ...where, per_page: 100 })) {
    if (page.data.some((comment) => comment.body?.includes(hidden))) return;
  }
  await octokit.rest.issues.createComment({ ...where, body: `@${event.actor.name} not allowed: ${reason}.\n\n${hidden}` });
}

/**
 * Shows the outcome on the request comment in place of the instructions, keeping its hidden
 * marker. Writing the same body again is harmless.
 */
export async function resolve(octokit: Octokit, target: GitHubTarget, posted: PostedMessage, request: ApprovalRequest, outcome: ApprovalOutcome): Promise<void> {
  const where = { owner: target.owner, repo: target.repo, comment_id: Number(posted.id) };
  const { data } = await octokit.rest.issues.getComment(where);
  const markers = (data.body ?? "").match(/<!-- switchboard:[^\s]+ -->/g) ?? [];
  const body = [`**${request.agent}** asked for approval to ${request.summary}.`, "", outcomeText(outcome), "", ...markers].join("\n").trimEnd();
  await octokit.rest.issues.updateComment({ ...where, body });
}
