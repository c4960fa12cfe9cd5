import type { SlackAPIClient } from "slack-web-api-client";
import type { PostedMessage, EffectContext, Outbound } from "../../src/channel.ts";
import type { SlackTarget } from "./target.ts";
import { postParts } from "../../src/post-parts.ts";
import { retryingFetch } from "../../src/retry.ts";
import { SlackCallError, slackCall, slackClient } from "./client.ts";
import { SLACK_API_DEFAULT, type SlackConfig } from "./config.ts";
import { toSlackMessages } from "./format.ts";
import { mayApprove, refuse, requestBlocks, resolve } from "./approval.ts";
import { openSlackStream, slackStream } from "./live.ts";


/** The message metadata type every reply carries, so a re-run can find what it already posted. */
export const REPLY_EVENT_TYPE = "switchboard_reply";
const WORKING_REACTION = "eyes";
const WORKING_STATUS = "is looking into it…";

export function slackOutbound(target: SlackTarget, config: SlackConfig): Outbound {
  // The workspace's own token when it installed the app (installs set up), else SLACK_BOT_TOKEN.
  const client = () => slackClient(config, target.teamId);
  // A slash command has no message to thread under: it is answered through its response_url.
  const viaResponseUrl = target.responseUrl !== undefined && target.messageTs === undefined;

  return {
    async reply(markdown: string, effect: EffectContext): Promise<PostedMessage> {
      const parts = toSlackMessages(markdown);
      if (viaResponseUrl) return respond(target.responseUrl!, parts, effect, config);
      return postParts(parts, effect, {
        findPosted: (key) => findMarked(client(), target, key),
        async post(text, key) {
          const result = await slackCall("chat.postMessage", () =>
            client().chat.postMessage({
              channel: target.channelId,
              thread_ts: target.threadTs,
              text,
              mrkdwn: true,
              unfurl_links: false,
              metadata: { event_type: REPLY_EVENT_TYPE, event_payload: { key } },
            }),
          );
          return { id: result.ts ?? "" };
        },
      });
    },

    // A slash command answers through its response URL, which has no streaming; elsewhere the
    // answer grows in the thread.
    ...(viaResponseUrl
      ? {}
      : {
          openLive: (effect: EffectContext) => openSlackStream(client(), target, effect),
          resumeLive: (id: string) => slackStream(client(), target, id, true),
        }),

    async requestApproval(request, effect) {
      // A slash command's conversation has no thread for the buttons' message to live in.
      if (viaResponseUrl) throw new Error(`${request.tool} needs approval, which a slash command cannot ask for: mention the bot in a thread instead`);
      const posted = effect.replay ? (await findMarked(client(), target, effect.idempotencyKey)).get(effect.idempotencyKey) : undefined;
      if (posted) return posted;
      const result = await slackCall("chat.postMessage", () =>
        client().chat.postMessage({
          channel: target.channelId,
          thread_ts: target.threadTs,
          text: `${request.agent} asks for approval to ${request.summary}.`,
          blocks: requestBlocks(request),
          unfurl_links: false,
          metadata: { event_type: REPLY_EVENT_TYPE, event_payload: { key: effect.idempotencyKey } },
        }),
      );
      return { id: result.ts ?? "" };
    },

    resolveApproval: (posted, request, outcome) => resolve(client(), target, posted, request, outcome),
    mayApprove: (event) => mayApprove(client(), config, event),
    refuseApprover: (event, reason) => refuse(client(), target, event, reason),

    async working(on: boolean): Promise<void> {
      if (viaResponseUrl) return;
      // Assistant threads live in the app's DMs; elsewhere setStatus is refused, so a reaction
      // on the triggering message shows the bot is working instead.
      if (target.channelId.startsWith("D")) {
        try {
          await slackCall("assistant.threads.setStatus", () =>
            client().assistant.threads.setStatus({ channel_id: target.channelId, thread_ts: target.threadTs, status: on ? WORKING_STATUS : "" }),
          );
          return;
        } catch (error) {
          if (!(error instanceof SlackCallError) || error.status !== undefined) throw error;
        }
      }
      if (!target.messageTs) return;
      const where = { channel: target.channelId, timestamp: target.messageTs, name: WORKING_REACTION };
      try {
        if (on) await slackCall("reactions.add", () => client().reactions.add(where));
        else await slackCall("reactions.remove", () => client().reactions.remove(where));
      } catch (error) {
        // Re-runs add twice and remove twice: both are the state we wanted.
        const code = error instanceof SlackCallError ? error.code : "";
        if (code !== "already_reacted" && code !== "no_reaction") throw error;
      }
    },
  };
}

/** Replies in the thread that carry this key (or one of its parts) in their metadata, by key. */
async function findMarked(client: SlackAPIClient, target: SlackTarget, key: string): Promise<Map<string, PostedMessage>> {
  const found = new Map<string, PostedMessage>();
  let cursor: string | undefined;
  do {
    let page;
    try {
      page = await slackCall("conversations.replies", () =>
        client.conversations.replies({
          channel: target.channelId,
          ts: target.threadTs,
          include_all_metadata: true,
          limit: 200,
          ...(cursor ? { cursor } : {}),
        }),
      );
    } catch (error) {
      // No thread yet means nothing was posted in it.
      if (error instanceof SlackCallError && error.code === "thread_not_found") return found;
      throw error;
    }
    for (const message of page.messages ?? []) {
      const metadata = message.metadata as { event_type?: string; event_payload?: { key?: unknown } } | undefined;
      const marked = metadata?.event_type === REPLY_EVENT_TYPE ? metadata.event_payload?.key : undefined;
      if (typeof marked === "string" && message.ts && (marked === key || marked.startsWith(`${key}/`))) {
        found.set(marked, { id: message.ts });
      }
    }
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor);
  return found;
}

/**
 * Posts to a command's response_url (visible to the channel). Slack offers no lookup for these,
 * so a post interrupted by a crash may be repeated once on recovery; the journal keeps every
 * other case exactly once.
 */
async function respond(responseUrl: string, parts: string[], effect: EffectContext, config: SlackConfig): Promise<PostedMessage> {
  const url = responseTarget(responseUrl, config);
  const post = retryingFetch();
  for (const text of parts) {
    const response = await post(url, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ response_type: "in_channel", replace_original: false, text }),
    });
    const body = await response.text();
    if (!response.ok) throw new SlackCallError("response_url", body.slice(0, 100) || `http_${response.status}`, response.status);
  }
  return { id: `response:${effect.idempotencyKey}` };
}

/**
 * Slack's response URLs live on hooks.slack.com. When SLACK_API_URL points elsewhere (the
 * emulator, an egress proxy) they are sent to `${SLACK_API_URL}hooks/…` instead, so the same
 * code runs against the emulator. Any other host is refused: the URL came from a request body.
 */
export function responseTarget(responseUrl: string, config: SlackConfig): string {
  const url = new URL(responseUrl);
  if (responseUrl.startsWith(config.apiUrl)) return responseUrl;
  if (url.protocol !== "https:" || url.hostname !== "hooks.slack.com") {
    throw new SlackCallError("response_url", "response_url is not on hooks.slack.com");
  }
  return config.apiUrl === SLACK_API_DEFAULT ? responseUrl : `${config.apiUrl}hooks${url.pathname}`;
}
