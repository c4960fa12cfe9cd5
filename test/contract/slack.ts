// Slack under the channel contract: Events API deliveries (app_mention, message.im), v0 signatures.
import { signSlack } from "../../dev/slack-events.ts";
import { TEST_SLACK, TEST_SLACK_SIGNING_SECRET } from "../env.ts";
import { eventCallback, mentionEvent, newTs, slackCalls, slackState, uniqueChannel } from "../support/slack.ts";
import { deliver, ingressAck, type ChannelContract, type Place, type Signing } from "./contract.ts";

interface SlackPlace extends Place {
  readonly channel: string;
  /** The thread the conversation lives in: the mention's own ts, or the thread it was posted in. */
  readonly threadTs: string;
  readonly channelType: "channel" | "im";
  readonly envelope: ReturnType<typeof eventCallback>;
}

const ASK = "the login page shows a 500 error since the last deploy";

function place(channel: string, threadTs: string, channelType: SlackPlace["channelType"], event: Record<string, unknown>): SlackPlace {
  return {
    key: `slack:${TEST_SLACK.teamId}:${channel}:${threadTs}`,
    where: `thread ${channel}/${threadTs}`,
    channel,
    threadTs,
    channelType,
    envelope: eventCallback(event),
  };
}

async function signed(body: string, signing: Signing): Promise<Request> {
  const now = Math.floor(Date.now() / 1000);
  const timestamp = signing === "stale" ? now - 10 * 60 : now;
  const secret = signing === "forged" ? "not-the-signing-secret" : TEST_SLACK_SIGNING_SECRET;
  const headers: Record<string, string> = { "content-type": "application/json", ...(await signSlack(body, secret, timestamp)) };
  // Slack retries a delivery it saw no timely 2xx for, saying so in these headers.
  if (signing === "redelivered") Object.assign(headers, { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" });
  return new Request("https://switchboard.test/webhooks/slack/events", { method: "POST", headers, body });
}

export const slackContract: ChannelContract<SlackPlace> = {
  channel: "slack",
  places: {
    "an @-mention in a channel": async () => {
      const channel = uniqueChannel();
      const ts = newTs();
      return place(channel, ts, "channel", mentionEvent(channel, ASK, ts));
    },
    "an @-mention inside a thread": async () => {
      const channel = uniqueChannel();
      const root = newTs();
      return place(channel, root, "channel", { ...mentionEvent(channel, ASK), thread_ts: root });
    },
    "a direct message": async () => {
      const channel = uniqueChannel("D");
      const ts = newTs();
      return place(channel, ts, "im", { type: "message", user: "U0HUMAN003", text: ASK, ts, channel, channel_type: "im" });
    },
  },
  sign: (at, signing) => signed(JSON.stringify(at.envelope), signing),
  signsTimestamp: true,
  ack: ingressAck,

  async postedReplies(at) {
    const messages = (await slackState()).channels[at.channel] ?? [];
    return messages
      .filter((message) => message.user === TEST_SLACK.botUserId)
      .map((message) => ({
        where: message.thread_ts ? `thread ${at.channel}/${String(message.thread_ts)}` : `channel ${at.channel}`,
        text: String(message.text),
      }));
  },
  // The answer grows in a streaming message; the reply step is the call that closes it with the
  // whole answer. Every Web API method is POST /<method>; the channel is in the body, which a
  // rule cannot match.
  hold: () => ({ platform: "slack", method: "POST", pathPattern: "^/chat\\.stopStream$" }),
  replyCalls: async (at) => slackCalls(at.channel, "chat.stopStream"),

  async ownMessage(at) {
    // What Slack sends the app for a reply it posted in the thread (message.channels / message.im).
    const echo = eventCallback({
      type: "message",
      user: TEST_SLACK.botUserId,
      bot_id: TEST_SLACK.botId,
      app_id: TEST_SLACK.appId,
      text: "Triage: this looks like a bug report.",
      ts: newTs(),
      thread_ts: at.threadTs,
      channel: at.channel,
      channel_type: at.channelType,
    });
    return { via: "webhook", response: await deliver(await signed(JSON.stringify(echo), "fresh")) };
  },
};
