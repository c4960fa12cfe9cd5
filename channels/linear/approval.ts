import type { NormalizedEvent } from "../../src/event.ts";
import type { ApprovalOutcome, ApprovalRequest } from "../../src/harness/approval.ts";
import type { LinearApi } from "./client.ts";
import type { LinearConfig } from "./config.ts";

/**
 * The choices of the request's `select` elicitation. Linear sends the one picked back as an
 * ordinary prompt whose body is the option's value, so value and label are the same word.
 */
export const APPROVAL_OPTIONS = [
  { label: "Approve", value: "Approve" },
  { label: "Deny", value: "Deny" },
] as const;

/**
 * A person's answer to a request. Anywhere: `/approve` or `/deny` at the start (after the bot's
 * @-mention, which the normalizer has removed). In an agent session also a prompt that is just
 * "Approve" or "Deny", which is what picking one of the elicitation's options sends. Free text
 * ("approve it if the tests pass") is a message for the agent, not a decision.
 */
export function approvalAnswer(text: string, where: "session" | "comment"): { approve: boolean } | undefined {
  const command = /^\s*\/(approve|deny)(?![\w-])/i.exec(text);
  const choice = where === "session" ? /^\s*(approve|deny)\s*$/i.exec(text) : null;
  const word = (command ?? choice)?.[1];
  return word === undefined ? undefined : { approve: word.toLowerCase() === "approve" };
}

/** The request's words: in a session beside the options, in a comment with the commands to reply. */
export function requestText(request: ApprovalRequest, where: "session" | "comment"): string {
  const expires = `${new Date(request.expiresAt).toISOString().replace("T", " ").slice(0, 16)} UTC`;
  const how =
    where === "session"
      ? `Choose **Approve** or **Deny**. Without an answer it expires ${expires}.`
      : `A member of this workspace: reply \`/approve\` to let it, or \`/deny\`. Without an answer it expires ${expires}.`;
  return `**${request.agent}** asks for approval to ${request.summary}.\n\n${how}`;
}

export function outcomeText(request: ApprovalRequest, outcome: ApprovalOutcome): string {
  const result = outcome.expired ? "⌛ Expired: nobody answered in time." : outcome.approve ? `✅ Approved by ${outcome.by}` : `❌ Denied by ${outcome.by}`;
  return `**${request.agent}** asked for approval to ${request.summary}.\n\n${result}`;
}

/**
 * LINEAR_APPROVERS when set (user ids, and `admins` for the workspace's admins); otherwise every
 * active member who is not a guest. Guests see only the teams they were invited to, and apps are
 * not people, so neither decides by default. Linear answers who someone is; the webhook alone
 * does not say.
 */
export async function mayApprove(api: LinearApi, config: LinearConfig, event: NormalizedEvent): Promise<boolean> {
  const id = event.actor.id.toLowerCase();
  if (config.approvers.includes(id)) return true;
  const admins = config.approvers.includes("admins");
  if (config.approvers.length > 0 && !admins) return false;
  const { user } = await api.request<{ user: { active: boolean; admin: boolean; app: boolean; guest: boolean } }, { id: string }>(WHO_IS, { id: event.actor.id });
  if (!user.active || user.app) return false;
  return admins ? user.admin : !user.guest;
}

/** Only what the decision needs: Linear limits by query complexity, and the SDK's User asks for every field. */
const WHO_IS = "query user($id: String!) { user(id: $id) { id active admin app guest } }";
