// Signed Slack Events API deliveries for the benchmark (app_mention in a thread), prepared
// ahead so signing costs the load generator nothing while it runs.
import { DEV_SLACK } from "../dev/emulator/slack.ts";
import { eventCallback, signSlack } from "../dev/slack-events.ts";
import type { PreparedRequest } from "./load.ts";

export const SLACK_EVENTS_PATH = "/webhooks/slack/events";

/** Conversation `n` of a run: a thread in one of 50 channels (the emulator scans a channel's messages). */
export function threadOf(conversation: number): { channel: string; threadTs: string } {
  return {
    channel: String(conversation % 50).padStart(2, "0"),
    threadTs: `${1_700_000_000 + conversation}.000000`,
  };
}

export interface MentionOptions {
  /** Events to prepare; event `i` goes to conversation `(offset + i) % conversations`. */
  readonly count: number;
  readonly conversations: number;
  readonly secret: string;
  /** Unique across the whole run: message ts and event ids derive from it. */
  readonly offset: number;
  /** Channel ids are `C<prefix><nn>` ([A-Z0-9]), so the replies of different systems can be told apart. */
  readonly channelPrefix: string;
  readonly path?: string;
}

export interface PreparedMention extends PreparedRequest {
  readonly eventId: string;
  readonly channel: string;
  readonly threadTs: string;
  /** The mention's own ts (the bot's 👀 goes on it). */
  readonly ts: string;
}

/** ~900-byte app_mention envelopes, as Slack sends them: `x-slack-signature` v0 over the body. */
export async function prepareMentions(options: MentionOptions): Promise<PreparedMention[]> {
  const { count, conversations, secret, offset, channelPrefix, path = SLACK_EVENTS_PATH } = options;
  const workspace = { teamId: DEV_SLACK.teamId, appId: DEV_SLACK.appId, botUserId: DEV_SLACK.botUserId };
  const timestamp = Math.floor(Date.now() / 1000);
  const prepared: PreparedMention[] = [];
  for (let i = 0; i < count; i++) {
    const sequence = offset + i;
    const { channel, threadTs } = threadOf((offset + i) % conversations);
    const channelId = `C${channelPrefix}${channel}`;
    const ts = `${1_800_000_000 + sequence}.000100`;
    const envelope = eventCallback(workspace, {
      type: "app_mention",
      user: `U0USER${sequence % 1000}`,
      text: `<@${DEV_SLACK.botUserId}> the nightly build fails on main since the dependency bump: TypeError in save(), can you take a look?`,
      ts,
      thread_ts: threadTs,
      channel: channelId,
      channel_type: "channel",
    });
    const body = JSON.stringify(envelope);
    const headers = { "content-type": "application/json", ...(await signSlack(body, secret, timestamp)) };
    prepared.push({ path, headers, body, eventId: envelope.event_id, channel: channelId, threadTs, ts });
  }
  return prepared;
}

export function ceilingOf(requests: readonly PreparedRequest[]): PreparedRequest[] {
  return requests.map((r) => ({ ...r, path: "/bench/ceiling" }));
}
