import type { REST } from "@discordjs/rest";
import type { APIMessage, RESTPostAPIChannelMessageJSONBody } from "discord-api-types/v10";
import type { EffectContext, LiveReply, LiveStep, PostedMessage } from "../../src/channel.ts";
import { partKey } from "../../src/post-parts.ts";
import { splitMessage } from "../../src/format/split.ts";
import { defaultRetryPolicy, transientFailure } from "../../src/retry.ts";
import type { DiscordTarget } from "./target.ts";
import { replyReference, type Place } from "./threads.ts";

/** Discord's message content limit. */
const MESSAGE_LIMIT = 2000;
/** At most one edit a second while the answer grows: well inside Discord's limits on a channel. */
const EDIT_INTERVAL_MS = 1000;
/** The live reply that is an interaction's deferred response, rather than a message of its own. */
const ORIGINAL = "@original";
const NO_PINGS = { parse: [] as never[] };

export interface LiveDeps {
  readonly rest: REST;
  readonly target: DiscordTarget;
  /** Where channel messages go: the target's thread (started on first use) or channel. */
  readonly place: () => Promise<Place>;
  /** True while the interaction token can still edit the deferred response. */
  readonly interactionUsable: () => boolean;
  readonly nonceFor: (key: string) => Promise<string>;
  /** True for Discord's answer to an interaction token that has expired. */
  readonly tokenGone: (error: unknown) => boolean;
}

/**
 * Opens the message the answer grows in: a command's deferred response while its token lives
 * (it already shows "thinking…"), otherwise a channel message sent with a nonce, so a replay of
 * the open returns the message an earlier attempt sent.
 */
export async function openDiscordLive(deps: LiveDeps, effect: EffectContext): Promise<LiveReply> {
  const { rest, target } = deps;
  if (target.interaction && target.messageId === undefined && deps.interactionUsable()) return discordLive(deps, ORIGINAL);
  const where = await deps.place();
  const body: RESTPostAPIChannelMessageJSONBody = {
    content: "…",
    nonce: await deps.nonceFor(effect.idempotencyKey),
    enforce_nonce: true,
    allowed_mentions: NO_PINGS,
    ...replyReference(where),
  };
  const message = (await rest.post(`/channels/${where.channelId}/messages`, { body })) as APIMessage;
  return discordLive(deps, message.id);
}

/**
 * Edits the message `id` as the answer grows: the text so far and the tool steps under it, at
 * most once a second. Every edit carries the whole content, so one lost to a rate limit costs
 * nothing; `finish` writes the whole answer (more messages, each with its nonce, when it is
 * longer than one message holds).
 */
export function discordLive(deps: LiveDeps, id: string): LiveReply {
  const { rest, target } = deps;
  let text = "";
  const steps = new Map<string, LiveStep>();
  let lastEdit = 0;
  /** Discord asked for a pause (a 429): no edit before this time, the final one included. */
  let pausedUntil = 0;

  const edit = async (content: string) => {
    try {
      return await send(content);
    } catch (error) {
      const wait = transientFailure(error)?.retryAfterMs;
      if (wait !== undefined) pausedUntil = Date.now() + wait;
      throw error;
    }
  };

  const send = async (content: string) => {
    const body = { content, allowed_mentions: NO_PINGS };
    if (id === ORIGINAL) {
      const { applicationId, token } = target.interaction!;
      return rest.patch(`/webhooks/${applicationId}/${token}/messages/@original`, { body, auth: false });
    }
    return rest.patch(`/channels/${(await deps.place()).channelId}/messages/${id}`, { body });
  };

  async function show(): Promise<void> {
    if (Date.now() - lastEdit < EDIT_INTERVAL_MS || Date.now() < pausedUntil) return;
    lastEdit = Date.now();
    const lines = [...steps.values()].map((step) => `-# ${step.status === "complete" ? "✓" : step.status === "error" ? "✗" : "…"} ${step.title}`);
    const content = [text, lines.join("\n")].filter(Boolean).join("\n\n") || "…";
    await edit(content.length > MESSAGE_LIMIT ? `${content.slice(0, MESSAGE_LIMIT - 1)}…` : content);
  }

  return {
    id,
    async append(delta) {
      text += delta;
      await show();
    },
    async step(update) {
      steps.set(update.id, update);
      await show();
    },
    async finish(markdown: string, effect: EffectContext): Promise<PostedMessage> {
      // A short pause Discord asked for is waited out here; a long one fails the step as
      // transient, and the turn finishes this message on its alarm.
      const pause = pausedUntil - Date.now();
      if (pause > 0) {
        if (pause > defaultRetryPolicy.maxInlineDelayMs * 2) throw Object.assign(new Error("Discord asked to wait before editing"), { status: 429, retryAfterMs: pause });
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
      const parts = splitMessage(markdown, MESSAGE_LIMIT);
      let first: APIMessage;
      try {
        first = (await edit(parts[0] ?? "…")) as APIMessage;
      } catch (error) {
        // The deferred response outlived its token (a turn retried past 15 minutes): the answer
        // becomes a channel message, once by its nonce.
        if (id !== ORIGINAL || !deps.tokenGone(error)) throw error;
        const body: RESTPostAPIChannelMessageJSONBody = {
          content: parts[0] ?? "…",
          nonce: await deps.nonceFor(partKey(effect.idempotencyKey, 0, parts.length)),
          enforce_nonce: true,
          allowed_mentions: NO_PINGS,
        };
        first = (await rest.post(`/channels/${(await deps.place()).channelId}/messages`, { body })) as APIMessage;
      }
      const where = await deps.place();
      for (const [index, part] of parts.entries()) {
        if (index === 0) continue;
        const body: RESTPostAPIChannelMessageJSONBody = {
          content: part,
          nonce: await deps.nonceFor(partKey(effect.idempotencyKey, index, parts.length)),
          enforce_nonce: true,
          allowed_mentions: NO_PINGS,
        };
        await rest.post(`/channels/${where.channelId}/messages`, { body });
      }
      return { id: first.id ?? id };
    },
  };
}
