import { DiscordAPIError, type REST } from "@discordjs/rest";
import type { APIActionRowComponent, APIButtonComponentWithCustomId, RESTPatchAPIChannelMessageJSONBody } from "discord-api-types/v10";
import type { PostedMessage } from "../../src/channel.ts";
import type { NormalizedEvent } from "../../src/event.ts";
import type { ApprovalOutcome, ApprovalRequest } from "../../src/harness/approval.ts";
import { log } from "../../src/log.ts";
import type { DiscordConfig } from "./config.ts";
import { permissionRole } from "./permissions.ts";
import type { DiscordTarget } from "./target.ts";

// Component, button-style and flag numbers as Discord documents them (discord-api-types has them
// as enums, which this Worker does not load at run time).
const ACTION_ROW = 1;
const BUTTON = 2;
const SUCCESS = 3;
const DANGER = 4;
const EPHEMERAL = 64;
/** Discord's "Unknown Webhook" and "Invalid Webhook Token": the interaction token is gone. */
const TOKEN_GONE_CODES = new Set([10015, 50027]);

/**
 * The buttons' custom ids: `switchboard:approve:<request id>` (Discord allows 100 characters; a
 * request id is 24), and `@<thread id>` after it for a request asked outside its conversation's
 * thread (the bot may not start threads there: threads.ts), whose press, in the channel, would
 * otherwise name the channel's conversation. channels/discord/normalize.ts reads them back with
 * `approvalOf` and `approvalThread`.
 */
const CUSTOM_ID = /^switchboard:(approve|deny):([A-Za-z0-9_-]{1,64})(?:@(\d{15,21}))?$/;

export function approvalCustomId(decision: "approve" | "deny", requestId: string, thread?: string): string {
  return `switchboard:${decision}:${requestId}${thread ? `@${thread}` : ""}`;
}

/** The thread whose conversation asked, for a request asked in the channel instead; undefined otherwise. */
export function approvalThread(customId: string): string | undefined {
  return CUSTOM_ID.exec(customId)?.[3];
}

/** The decision a press of one of the bot's Approve or Deny buttons carries; undefined for any other button. */
export function approvalOf(customId: string): { id: string; approve: boolean } | undefined {
  const match = CUSTOM_ID.exec(customId);
  return match ? { id: match[2]!, approve: match[1] === "approve" } : undefined;
}

/**
 * What the call will do, within Discord's 2,000 characters a message holds with room for the rest
 * (a summary may quote a whole report); cut rather than refused, since the request must be asked.
 */
const SUMMARY_LIMIT = 1_800;

function summaryOf(request: ApprovalRequest): string {
  return request.summary.length > SUMMARY_LIMIT ? `${request.summary.slice(0, SUMMARY_LIMIT - 1)}…` : request.summary;
}

/**
 * The request as Discord shows it: what the agent wants to do, when it expires, two buttons; their
 * ids name `thread` when the request is asked outside the thread its conversation is in.
 */
export function requestMessage(request: ApprovalRequest, thread?: string): { content: string; components: APIActionRowComponent<APIButtonComponentWithCustomId>[] } {
  return {
    content: `**${request.agent}** asks for approval to ${summaryOf(request)}.\nExpires <t:${Math.floor(request.expiresAt / 1000)}:R> if nobody answers.`,
    components: [
      {
        type: ACTION_ROW,
        components: [
          { type: BUTTON, style: SUCCESS, label: "Approve", custom_id: approvalCustomId("approve", request.id, thread) },
          { type: BUTTON, style: DANGER, label: "Deny", custom_id: approvalCustomId("deny", request.id, thread) },
        ],
      },
    ] as APIActionRowComponent<APIButtonComponentWithCustomId>[],
  };
}

/** The request once decided: the same words, the outcome instead of the buttons. */
export function outcomeMessage(request: ApprovalRequest, outcome: ApprovalOutcome): RESTPatchAPIChannelMessageJSONBody {
  return { content: `**${request.agent}** asked for approval to ${summaryOf(request)}.\n${outcomeText(outcome)}`, components: [] };
}

export function outcomeText(outcome: ApprovalOutcome): string {
  if (outcome.expired) return "⌛ Expired: nobody answered in time.";
  return outcome.approve ? `✅ Approved by ${outcome.by}` : `❌ Denied by ${outcome.by}`;
}

/**
 * Members of DISCORD_APPROVER_ROLES, holders of DISCORD_APPROVER_PERMISSION (Manage Server by
 * default) and administrators. Roles and permissions come from the signed interaction itself
 * (normalize.ts puts them in `actor.roles`), so no API call is needed; in a DM there are none,
 * and nobody may approve there.
 */
export function mayApprove(config: DiscordConfig, event: NormalizedEvent): boolean {
  const held = new Set(event.actor.roles ?? []);
  if (held.has(permissionRole("ADMINISTRATOR")) || held.has(permissionRole(config.approverPermission))) return true;
  return config.approverRoleIds.some((role) => held.has(role));
}

/** A note only the person who pressed sees: an ephemeral follow-up on their interaction. */
export async function refuse(rest: REST, target: DiscordTarget, reason: string): Promise<void> {
  if (!target.interaction) return;
  const { applicationId, token } = target.interaction;
  try {
    await rest.post(`/webhooks/${applicationId}/${token}`, {
      body: { content: `Not allowed: ${reason}.`, flags: EPHEMERAL, allowed_mentions: { parse: [] } },
      auth: false,
    });
  } catch (error) {
    // The press is 15 minutes old: nobody is looking at it any more.
    if (!(error instanceof DiscordAPIError && typeof error.code === "number" && TOKEN_GONE_CODES.has(error.code))) throw error;
    log("discord.refusal_token_gone", { channelId: target.channelId });
  }
}

/**
 * Shows the outcome on the request message, in `channelId` where it was posted, and takes its
 * buttons away. The bot's own token edits it, so this works after an expiry too, when no interaction token is left. Editing it again to
 * the same state is harmless.
 */
export async function resolve(rest: REST, channelId: string, posted: PostedMessage, request: ApprovalRequest, outcome: ApprovalOutcome): Promise<void> {
  await rest.patch(`/channels/${channelId}/messages/${posted.id}`, { body: outcomeMessage(request, outcome) });
}
