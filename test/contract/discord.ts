// Discord under the channel contract: `/triage` interactions signed with Ed25519 over timestamp +
// body, answered by filling in the deferred response; the bot's own messages arrive over the
// Gateway, the way Discord delivers every message.
import { env } from "cloudflare:workers";
import { DiscordConfig } from "../../channels/discord/config.ts";
import { routeGatewayMessage } from "../../channels/discord/normalize.ts";
import { DISCORD_USER, triageCommand } from "../../dev/discord-events.ts";
import { TEST_DISCORD } from "../env.ts";
import { waitFor } from "../support/emulator.ts";
import { channelMessages, control, discordCalls, gatewayAdmin, registerInteraction, signDiscord, snowflake, userMessage } from "../support/discord.ts";
import type { ChannelContract, Place, Signing } from "./contract.ts";

interface DiscordPlace extends Place {
  readonly channelId: string;
  readonly guildId: string | undefined;
  readonly channelType: number;
  readonly interaction: { readonly id: string; readonly token: string; readonly payload: object };
}

const BOT = TEST_DISCORD.applicationId;
const GUILD_TEXT = 0;
const DM = 1;
const PUBLIC_THREAD = 11;
const ASK = "The app crashes with TypeError when I click save. Steps to reproduce: open settings, click save. Expected: saved. Actual: crash.";

/**
 * A `/triage` command in `channelId`, shaped like the recorded ones (test/fixtures/vercel-chat-replay):
 * in a server with `member`, in a DM with `user` and no guild, in a thread with the thread as its channel.
 */
async function command(channelId: string, channelType: number, guildId: string | undefined, parentId?: string): Promise<DiscordPlace> {
  const { payload, id, token } = triageCommand({ applicationId: BOT, guildId: guildId ?? "", channelId, text: ASK });
  const { guild_id: _guild, member, channel, context: _context, ...common } = payload;
  const shaped =
    guildId === undefined
      ? { ...common, user: DISCORD_USER, context: 1, channel: { id: channelId, type: DM } }
      : { ...common, guild_id: guildId, member, context: 0, channel: { ...channel, type: channelType, ...(parentId ? { parent_id: parentId } : {}) } };
  await registerInteraction({ id, token, channel_id: channelId, ...(guildId ? { guild_id: guildId } : {}) });
  return {
    // A thread's conversation is named under the channel it lives in (channels/discord/README.md).
    key: parentId ? `discord:${guildId}:${parentId}:${channelId}` : `discord:${guildId ?? "@me"}:${channelId}`,
    where: `channel ${channelId}, answering interaction ${id}`,
    channelId,
    guildId,
    channelType,
    interaction: { id, token, payload: shaped },
  };
}

async function signed(body: string, signing: Signing): Promise<Request> {
  const now = Math.floor(Date.now() / 1000);
  // Another application's key: a valid Ed25519 signature that is not this application's.
  const forger = signing === "forged" ? ((await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"])) as CryptoKeyPair).privateKey : undefined;
  const headers = await signDiscord(body, { timestamp: signing === "stale" ? now - 10 * 60 : now, key: forger });
  return new Request("https://switchboard.test/webhooks/discord/interactions", { method: "POST", headers, body });
}

/** The Gateway's own account of what it handled. */
async function gateway(): Promise<{ state: string; seq: number | null; dispatched: number }> {
  return (await gatewayAdmin("status")).json() as never;
}

export const discordContract: ChannelContract<DiscordPlace> = {
  channel: "discord",
  places: {
    "/triage in a server channel": () => command(snowflake(), GUILD_TEXT, TEST_DISCORD.guildId),
    "/triage in a DM": () => command(snowflake(), DM, undefined),
    "/triage in a thread": () => command(snowflake(), PUBLIC_THREAD, TEST_DISCORD.guildId, snowflake()),
  },
  // Discord does not retry an interaction; the same one twice is a retry somewhere in between.
  sign: (at, signing) => signed(JSON.stringify(at.interaction.payload), signing),
  signsTimestamp: true,
  // Discord wants the interaction answered within 3 s: a deferred response, whatever became of it.
  ack: { accepted: () => ({ type: 5 }), duplicate: () => ({ type: 5 }) },

  async postedReplies(at) {
    return (await channelMessages(at.channelId))
      .filter((message) => message.author.id === BOT)
      .map((message) => {
        const answering = (message as { interaction_metadata?: { id: string } }).interaction_metadata?.id;
        const replyingTo = message.message_reference?.message_id;
        const how = answering ? `, answering interaction ${answering}` : replyingTo ? `, replying to ${replyingTo}` : "";
        return { where: `channel ${at.channelId}${how}`, text: message.content };
      });
  },
  hold: (at) => ({ platform: "discord", method: "PATCH", pathPattern: `^/webhooks/${BOT}/${at.interaction.token}/messages/@original$` }),
  replyCalls: async (at) => (await discordCalls(at.interaction.token)).filter((call) => call.method === "PATCH" && call.path.endsWith("/messages/@original")),

  async ownMessage(at) {
    await gatewayAdmin("stop");
    await control("/gateway/config", { ackHeartbeats: true, acceptConnections: true, heartbeatIntervalMs: 1500 });
    await gatewayAdmin("start");
    try {
      const before = await waitFor("the Gateway to connect", async () => {
        const status = await gateway();
        return status.state === "connected" ? status : null;
      });
      // What Discord dispatches for a message the bot posted: the bot as author, mentions and all.
      const sent = await userMessage({
        channel_id: at.channelId,
        guild_id: at.guildId,
        channel_type: at.channelType,
        content: `<@${BOT}> Triage: this looks like a bug report.`,
        mentions: [BOT],
        author: { id: BOT, username: "switchboard", bot: true },
      });
      const seq = sent.s;
      if (!sent.sent || seq === null) throw new Error("the emulator did not dispatch the message over the Gateway");
      // The Gateway saves a sequence number once its dispatch is fully handled.
      const handled = await waitFor("the Gateway to handle the message", async () => {
        const status = await gateway();
        return status.seq !== null && status.seq >= seq ? status : null;
      });
      // The Gateway object does not report why it skipped a message; its router, given what was dispatched, does.
      const dispatched = { ...sent.message, ...(at.guildId ? { guild_id: at.guildId } : {}), channel_type: at.channelType };
      const routed = routeGatewayMessage(dispatched, DiscordConfig.parse(env));
      return { via: "gateway", dispatched: handled.dispatched - before.dispatched, reason: routed.route === "skip" ? routed.reason : "dispatched" };
    } finally {
      await gatewayAdmin("stop");
    }
  },
};
