import type { AnyMessageBlock, SlackAPIClient } from "slack-web-api-client";
import type { PostedMessage } from "../../src/channel.ts";
import type { NormalizedEvent } from "../../src/event.ts";
import type { ApprovalOutcome, ApprovalRequest } from "../../src/harness/approval.ts";
import { slackCall } from "./client.ts";
import type { SlackConfig } from "./config.ts";
import type { SlackTarget } from "./target.ts";

/** The buttons' action ids; their value is the request's id (channels/slack/normalize.ts reads them). */
export const APPROVE_ACTION = "switchboard_approve";
export const DENY_ACTION = "switchboard_deny";

/** The request as Block Kit: what the agent wants to do, when it expires, and two buttons. */
export function requestBlocks(request: ApprovalRequest): AnyMessageBlock[] {
  return [
    { type: "section", text: { type: "mrkdwn", text: `*${request.agent}* asks for approval to ${request.summary}.` } },
    { type: "context", elements: [{ type: "mrkdwn", text: `Expires <!date^${Math.floor(request.expiresAt / 1000)}^{date_short_pretty} at {time}|in 24 hours> if nobody answers.` }] },
    {
      type: "actions",
      block_id: `approval.${request.id}`,
      elements: [
        { type: "button", style: "primary", action_id: APPROVE_ACTION, value: request.id, text: { type: "plain_text", text: "Approve" } },
        { type: "button", style: "danger", action_id: DENY_ACTION, value: request.id, text: { type: "plain_text", text: "Deny" } },
      ],
    },
  ];
}

/** The request once decided: the same words, the outcome instead of the buttons. */
export function outcomeBlocks(request: ApprovalRequest, outcome: ApprovalOutcome): AnyMessageBlock[] {
  return [
    { type: "section", text: { type: "mrkdwn", text: `*${request.agent}* asked for approval to ${request.summary}.` } },
    { type: "context", elements: [{ type: "mrkdwn", text: outcomeText(outcome) }] },
  ];
}

export function outcomeText(outcome: ApprovalOutcome): string {
  if (outcome.expired) return "⌛ Expired: nobody answered in time.";
  return outcome.approve ? `✅ Approved by ${outcome.by}` : `❌ Denied by ${outcome.by}`;
}

/**
 * SLACK_APPROVERS when set (users, or members of user groups); otherwise the workspace's admins
 * and owners, as users.info reports them. Anyone else is refused, so a channel with a
 * curious visitor stays safe by default.
 */
export async function mayApprove(client: SlackAPIClient, config: SlackConfig, event: NormalizedEvent): Promise<boolean> {
  const user = event.actor.id;
  if (config.approvers.length === 0) {
    const info = await slackCall("users.info", () => client.users.info({ user }));
    return info.user?.is_admin === true || info.user?.is_owner === true;
  }
  if (config.approvers.includes(user)) return true;
  for (const group of config.approvers.filter((id) => id.startsWith("S"))) {
    const members = await slackCall("usergroups.users.list", () => client.usergroups.users.list({ usergroup: group }));
    if (members.users?.includes(user)) return true;
  }
  return false;
}

/** A note only the refused person sees, in the thread of the request. */
export async function refuse(client: SlackAPIClient, target: SlackTarget, event: NormalizedEvent, reason: string): Promise<void> {
  await slackCall("chat.postEphemeral", () =>
    client.chat.postEphemeral({ channel: target.channelId, thread_ts: target.threadTs, user: event.actor.id, text: `Not allowed: ${reason}.` }),
  );
}

/** Shows the outcome on the request message; editing it again to the same state is harmless. */
export async function resolve(client: SlackAPIClient, target: SlackTarget, posted: PostedMessage, request: ApprovalRequest, outcome: ApprovalOutcome): Promise<void> {
  await slackCall("chat.update", () =>
    client.chat.update({ channel: target.channelId, ts: posted.id, text: `${request.summary}: ${outcomeText(outcome)}`, blocks: outcomeBlocks(request, outcome) }),
  );
}

