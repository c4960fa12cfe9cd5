import { DiscordAPIError, type REST } from "@discordjs/rest";
import type { APIMessage, RESTPostAPIChannelMessageJSONBody } from "discord-api-types/v10";
import type { PostedMessage, EffectContext, Outbound } from "../../src/channel.ts";
import { partKey } from "../../src/post-parts.ts";
import { toHex } from "../../src/crypto.ts";
import type { DiscordTarget } from "./target.ts";
import { splitMessage } from "../../src/format/split.ts";
import { log } from "../../src/log.ts";
import { mayApprove, refuse, requestMessage, resolve } from "./approval.ts";
import { discordRest } from "./client.ts";
import { discordLive, openDiscordLive, type LiveDeps } from "./live.ts";
import type { DiscordConfig } from "./config.ts";
import { placeOf, replyReference, type Place } from "./threads.ts";

/** Discord's message content limit. */
export const MESSAGE_LIMIT = 2000;
/** Use an interaction token only while it has at least this long left. */
const TOKEN_MARGIN_MS = 30_000;
/** The bot never pings anyone: not @everyone, not roles, not the people it quotes. */
const NO_PINGS = { parse: [] as never[] };
/** Discord's "Unknown Webhook" and "Invalid Webhook Token": the interaction token is gone. */
const TOKEN_GONE_CODES = new Set([10015, 50027]);


/**
 * The nonce Discord dedupes a channel message on (with `enforce_nonce`): at most 25 characters,
 * so a hash of the idempotency key, hex.
 */
export async function nonceFor(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
  return toHex(digest).slice(0, 25);
}

/**
 * Answers in place. A deferred slash or message command: the first part edits the deferred
 * response (`@original`, idempotent), further parts are follow-ups on the interaction webhook.
 * A button press: follow-ups. Once the interaction token has expired (15 minutes), or for a
 * Gateway message, channel messages, each sent with a `nonce` + `enforce_nonce` so a re-run of
 * the step returns the message already posted: in the thread the target names (started from the
 * report by the first of them, threads.ts), or replying to the triggering message.
 */
export function discordOutbound(target: DiscordTarget, config: DiscordConfig, now: () => number = Date.now): Outbound {
  const rest = discordRest(config);
  const place = placeOf(rest, target);
  const live: LiveDeps = { rest, target, place, interactionUsable: () => interactionUsable(target, now()), nonceFor, tokenGone };

  return {
    async reply(markdown: string, effect: EffectContext): Promise<PostedMessage> {
      const parts = splitMessage(markdown, MESSAGE_LIMIT);
      let first: PostedMessage | null = null;
      let viaInteraction = interactionUsable(target, now());
      for (const [index, part] of parts.entries()) {
        let sent: PostedMessage | null = null;
        if (viaInteraction && target.interaction) {
          try {
            sent = await interactionMessage(rest, target, part, index);
          } catch (error) {
            if (!tokenGone(error)) throw error;
            log("discord.interaction_token_gone", { channelId: target.channelId });
            viaInteraction = false;
          }
        }
        sent ??= await channelMessage(rest, await place(), part, partKey(effect.idempotencyKey, index, parts.length), index === 0);
        first ??= sent;
      }
      return first!;
    },

    // The answer grows in place: the deferred response, or a message the bot edits as it goes.
    openLive: (effect) => openDiscordLive(live, effect),
    resumeLive: (id) => discordLive(live, id),

    async requestApproval(request, effect) {
      // A channel message, not an interaction follow-up: its nonce makes a re-run return the
      // request already posted, and the bot's own token can edit it after the interaction token
      // has expired (approvals wait far longer than 15 minutes).
      const where = await place();
      // Asked in the channel instead of the conversation's thread (no thread could be started):
      // the buttons name the thread, so a press in the channel finds this conversation.
      const outside = target.startThread && where.channelId !== target.channelId ? target.channelId : undefined;
      const body: RESTPostAPIChannelMessageJSONBody = {
        ...requestMessage(request, outside),
        nonce: await nonceFor(effect.idempotencyKey),
        enforce_nonce: true,
        allowed_mentions: NO_PINGS,
        ...replyReference(where),
      };
      const message = (await rest.post(`/channels/${where.channelId}/messages`, { body })) as APIMessage;
      return { id: message.id };
    },

    resolveApproval: async (posted, request, outcome) => resolve(rest, (await place()).channelId, posted, request, outcome),
    mayApprove: async (event) => mayApprove(config, event),
    refuseApprover: (_event, reason) => refuse(rest, target, reason),

    async working(on: boolean): Promise<void> {
      // A deferred interaction already shows "thinking…"; a channel shows typing for 10 s.
      if (!on || interactionUsable(target, now())) return;
      await rest.post(`/channels/${(await place()).channelId}/typing`);
    },
  };
}

function interactionUsable(target: DiscordTarget, at: number): boolean {
  return target.interaction !== undefined && Date.parse(target.interaction.expiresAt) - TOKEN_MARGIN_MS > at;
}

async function interactionMessage(rest: REST, target: DiscordTarget, content: string, index: number): Promise<PostedMessage> {
  const { applicationId, token } = target.interaction!;
  const body = { content, allowed_mentions: NO_PINGS };
  // A command's deferred response is the message to fill in; a button's @original is the
  // bot's message carrying the buttons, which stays as it is.
  const message =
    index === 0 && target.messageId === undefined
      ? ((await rest.patch(`/webhooks/${applicationId}/${token}/messages/@original`, { body, auth: false })) as APIMessage)
      : ((await rest.post(`/webhooks/${applicationId}/${token}`, { body, auth: false })) as APIMessage);
  return { id: message.id };
}

async function channelMessage(rest: REST, place: Place, content: string, key: string, first: boolean): Promise<PostedMessage> {
  const body: RESTPostAPIChannelMessageJSONBody = {
    content,
    nonce: await nonceFor(key),
    enforce_nonce: true,
    allowed_mentions: NO_PINGS,
    ...(first ? replyReference(place) : {}),
  };
  const message = (await rest.post(`/channels/${place.channelId}/messages`, { body })) as APIMessage;
  return { id: message.id };
}

function tokenGone(error: unknown): boolean {
  return error instanceof DiscordAPIError && typeof error.code === "number" && TOKEN_GONE_CODES.has(error.code);
}
