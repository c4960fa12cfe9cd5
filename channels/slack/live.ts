import type { SlackAPIClient } from "slack-web-api-client";
import type { EffectContext, LiveReply, LiveStep, PostedMessage } from "../../src/channel.ts";
import { log } from "../../src/log.ts";
import { SlackCallError, slackCall } from "./client.ts";
import type { SlackTarget } from "./target.ts";

/** The message metadata type every finished reply carries (channels/slack/outbound.ts). */
const REPLY_EVENT_TYPE = "switchboard_reply";
/** Text is sent in pieces of at least this much, or after this long: fewer calls, within Slack's limits. */
const FLUSH_CHARACTERS = 80;
const FLUSH_MS = 400;

/**
 * Opens a streaming message in the thread (chat.startStream). On a replay it first looks for the
 * one an earlier attempt opened: every other message the bot writes in a thread carries
 * switchboard metadata, and a conversation runs one turn at a time, so the bot's message there
 * without metadata is this turn's stream.
 */
export async function openSlackStream(client: SlackAPIClient, target: SlackTarget, effect: EffectContext): Promise<LiveReply> {
  if (effect.replay) {
    const open = await findOpenStream(client, target);
    if (open) return slackStream(client, target, open, true);
  }
  const started = await slackCall("chat.startStream", () =>
    client.chat.startStream({ channel: target.channelId, thread_ts: target.threadTs, chunks: [{ type: "plan_update", title: "Working on it" }] }),
  );
  return slackStream(client, target, (started as { ts?: string }).ts ?? "");
}

/**
 * A stream on the message `ts`. Text is buffered and sent with chat.appendStream; a rate limit
 * leaves it in the buffer for the next send, so nothing is lost, and `finish` writes the whole
 * answer in any case: chat.stopStream when the stream already shows exactly it, otherwise (a
 * resumed turn, a lost piece) chat.update replaces what it shows.
 */
export function slackStream(client: SlackAPIClient, target: SlackTarget, ts: string, resumed = false): LiveReply {
  let buffer = "";
  let shown = "";
  let lastSend = Date.now();
  // A stream an earlier attempt opened (a crash, a turn parked on an approval) already shows
  // what that attempt sent, which this one does not know: `finish` replaces it whole.
  let complete = !resumed;

  async function send(chunks: Parameters<SlackAPIClient["chat"]["appendStream"]>[0]["chunks"]): Promise<void> {
    await slackCall("chat.appendStream", () => client.chat.appendStream({ channel: target.channelId, ts, chunks }));
    lastSend = Date.now();
  }

  async function flush(): Promise<void> {
    if (!buffer) return;
    const text = buffer;
    buffer = "";
    try {
      await send([{ type: "markdown_text", text }]);
      shown += text;
    } catch (error) {
      buffer = text + buffer;
      // A rate limit keeps the text for the next send. Anything else leaves what the message
      // shows uncertain, so `finish` replaces it whole.
      if (error instanceof SlackCallError && error.status === 429) return;
      complete = false;
      throw error;
    }
  }

  return {
    id: ts,
    async append(text) {
      buffer += text;
      if (buffer.length >= FLUSH_CHARACTERS || Date.now() - lastSend >= FLUSH_MS) await flush();
    },
    async step(update: LiveStep) {
      await flush();
      await send([{ type: "task_update", id: update.id.slice(-64), title: update.title, status: update.status, ...(update.detail ? { output: update.detail } : {}) }]);
    },
    async finish(markdown: string, effect: EffectContext): Promise<PostedMessage> {
      const metadata = { event_type: REPLY_EVENT_TYPE, event_payload: { key: effect.idempotencyKey } };
      const rest = markdown.startsWith(shown) && complete && !effect.replay ? markdown.slice(shown.length) : null;
      try {
        await slackCall("chat.stopStream", () =>
          client.chat.stopStream({ channel: target.channelId, ts, ...(rest ? { markdown_text: rest } : {}), ...(rest !== null ? { metadata } : {}) }),
        );
        if (rest !== null) return { id: ts };
      } catch (error) {
        // Already stopped (a replay after a crash in here, or Slack's own timeout): the update below finishes it.
        if (!(error instanceof SlackCallError && error.code === "message_not_in_streaming_state")) throw error;
        log("slack.stream_already_stopped", { channel: target.channelId });
      }
      await slackCall("chat.update", () => client.chat.update({ channel: target.channelId, ts, text: markdown, metadata }));
      return { id: ts };
    },
  };
}

async function findOpenStream(client: SlackAPIClient, target: SlackTarget): Promise<string | undefined> {
  try {
    const me = (await slackCall("auth.test", () => client.auth.test())).user_id;
    const page = await slackCall("conversations.replies", () =>
      client.conversations.replies({ channel: target.channelId, ts: target.threadTs, include_all_metadata: true, limit: 200 }),
    );
    const mine = (page.messages ?? []).filter((message) => message.user === me && message.ts !== target.threadTs);
    return mine.find((message) => !message.metadata)?.ts;
  } catch (error) {
    if (error instanceof SlackCallError && error.code === "thread_not_found") return undefined;
    throw error;
  }
}
