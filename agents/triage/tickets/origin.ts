import { slackCall, slackClient } from "../../../channels/slack/client.ts";
import type { SlackConfig } from "../../../channels/slack/config.ts";
import { SlackTarget } from "../../../channels/slack/target.ts";
import { DiscordTarget, messageLink } from "../../../channels/discord/target.ts";
import type { ToolContext } from "../../../src/index.ts";
import { log } from "../../../src/log.ts";

/** The chat thread a report came from, as a ticket names it. */
export interface ChatOrigin {
  readonly platform: "slack" | "discord";
  /** The Slack or Discord channel the mapping is looked up by. */
  readonly channelId: string;
  /** A link back to the report: Slack's permalink, Discord's message link. */
  readonly link?: string;
  /** Who reported it, as people there know them. */
  readonly reporter: string;
}

/** The chat platform and channel of the turn's conversation, without asking the platform anything. */
export function chatChannel(context: ToolContext): { platform: "slack" | "discord"; channelId: string } | undefined {
  const { event } = context;
  if (event.channel === "slack") return { platform: "slack", channelId: SlackTarget.parse(context.channel.target).channelId };
  if (event.channel === "discord") {
    // discord:{guild|@me}:{channel}[:{thread}]: the mapping names the channel a thread lives in.
    const channelId = event.conversationKey.split(":")[2] ?? DiscordTarget.parse(context.channel.target).channelId;
    return { platform: "discord", channelId };
  }
  return undefined;
}

/** Where the turn's report came from; undefined outside a Slack or Discord conversation. */
export async function chatOrigin(context: ToolContext): Promise<ChatOrigin | undefined> {
  const { event } = context;
  if (event.channel === "slack") {
    const target = SlackTarget.parse(context.channel.target);
    const config = context.channel.config as SlackConfig;
    const client = slackClient(config, target.teamId);
    const [link, reporter] = await Promise.all([
      bestEffort("chat.getPermalink", async () => (await slackCall("chat.getPermalink", () => client.chat.getPermalink({ channel: target.channelId, message_ts: target.messageTs ?? target.threadTs }))).permalink),
      bestEffort("users.info", async () => {
        const { user } = await slackCall("users.info", () => client.users.info({ user: event.actor.id }));
        return user?.profile?.display_name || user?.real_name || user?.name;
      }),
    ]);
    return { platform: "slack", channelId: target.channelId, ...(link ? { link } : {}), reporter: reporter ?? event.actor.name };
  }
  if (event.channel === "discord") {
    const target = DiscordTarget.parse(context.channel.target);
    const [, guild = "@me", channelId = target.channelId] = event.conversationKey.split(":");
    // The report itself: in the channel a thread was started from, or in the thread.
    const link = messageLink(guild, target);
    return { platform: "discord", channelId, ...(link ? { link } : {}), reporter: event.actor.name };
  }
  return undefined;
}

/** A link or a display name is a nicety: the ticket is filed without it rather than not at all. */
async function bestEffort<T>(what: string, read: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    log("tickets.origin_detail_missing", { what, error: error instanceof Error ? error.message.slice(0, 120) : "unknown" });
    return undefined;
  }
}
