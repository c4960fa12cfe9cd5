import type {
  APIChatInputApplicationCommandInteractionData,
  APIMessage,
  APIMessageApplicationCommandInteractionData,
  GatewayMessageCreateDispatchData,
} from "discord-api-types/v10";
import { z } from "zod";
import type { AcceptOutcome, Acknowledgement, InboundRequest, Interpretation } from "../../src/channel.ts";
import type { NormalizedEventInput } from "../../src/event.ts";
import { COMMAND_NAMES } from "./commands.ts";
import { guildAllowed, type DiscordConfig } from "./config.ts";
import { INTERACTION_TOKEN_MS, snowflakeTime } from "./snowflake.ts";

// Interaction and message types by Discord's numbers (discord-api-types has them as enums).
const PING = 1;
const APPLICATION_COMMAND = 2;
const MESSAGE_COMPONENT = 3;
const AUTOCOMPLETE = 4;
const MODAL_SUBMIT = 5;
const CHAT_INPUT = 1;
const MESSAGE_COMMAND = 3;
const THREAD_CHANNEL_TYPES = new Set([10, 11, 12]);
const DM_CHANNEL_TYPES = new Set([1, 3]);
/** DEFAULT and REPLY; joins, pins, thread-created notices and the like start no turn. */
const CONVERSATIONAL_MESSAGE_TYPES = new Set([0, 19]);
const EPHEMERAL = 64;

const User = z.object({
  id: z.string().min(1),
  username: z.string(),
  global_name: z.string().nullable().optional(),
  bot: z.boolean().optional(),
});
type User = z.infer<typeof User>;

const Interaction = z.object({
  id: z.string().min(1),
  application_id: z.string().min(1),
  type: z.number().int(),
  token: z.string().min(1).optional(),
  guild_id: z.string().optional(),
  channel_id: z.string().optional(),
  channel: z.object({ id: z.string(), type: z.number().optional() }).passthrough().optional(),
  member: z.object({ user: User, nick: z.string().nullable().optional() }).passthrough().optional(),
  user: User.optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  message: z.object({ id: z.string().min(1), author: User.optional(), content: z.string().optional() }).passthrough().optional(),
});
type Interaction = z.infer<typeof Interaction>;

/** The key every event of one Discord conversation shares; a thread is its own channel. */
export function conversationKey(guildId: string | undefined | null, channelId: string): string {
  return `discord:${guildId ?? "@me"}:${channelId}`;
}

/** An interaction response with only a visible-to-the-invoker note. */
function ephemeral(content: string): Extract<Interpretation, { type: "respond" }> {
  return { type: "respond", status: 200, body: { type: 4, data: { content, flags: EPHEMERAL, allowed_mentions: { parse: [] } } } };
}

/**
 * A verified interaction: PING is answered PONG; `/triage <text>` and the message command
 * "Triage this message" become `command` events answered with a deferred response (type 5)
 * once durable; the bot's own buttons become `action` events in the conversation of the
 * message that carries them, answered with a deferred update (type 6).
 */
export function interpretInteraction(request: InboundRequest, config: DiscordConfig): Interpretation {
  let payload: unknown;
  try {
    payload = JSON.parse(request.text);
  } catch {
    return { type: "malformed", reason: "body is not valid JSON" };
  }
  const parsed = Interaction.safeParse(payload);
  if (!parsed.success) return { type: "malformed", reason: "not a Discord interaction" };
  const interaction = parsed.data;
  if (interaction.type === PING) return { type: "respond", status: 200, body: { type: 1 } };
  if (interaction.application_id !== config.applicationId) {
    return { type: "malformed", reason: "interaction for another application" };
  }
  if (interaction.type === AUTOCOMPLETE) return { type: "respond", status: 200, body: { type: 8, data: { choices: [] } } };
  if (interaction.type === MODAL_SUBMIT) return ephemeral("This bot does not use forms.");
  if (interaction.type !== APPLICATION_COMMAND && interaction.type !== MESSAGE_COMPONENT) {
    return { type: "malformed", reason: `unknown interaction type ${interaction.type}` };
  }
  const channelId = interaction.channel_id ?? interaction.channel?.id;
  const user = interaction.member?.user ?? interaction.user;
  if (!channelId || !user || !interaction.token || !interaction.data) {
    return { type: "malformed", reason: "interaction without channel, user, token or data" };
  }
  if (!guildAllowed(config, interaction.guild_id)) return ephemeral("I am not enabled in this server.");

  const created = snowflakeTime(interaction.id) ?? request.now;
  const base = {
    channel: "discord" as const,
    dedupeId: interaction.id,
    conversationKey: conversationKey(interaction.guild_id, channelId),
    actor: actor(user, config),
    addressedToBot: true,
    occurredAt: new Date(created).toISOString(),
  };
  const reply = {
    applicationId: interaction.application_id,
    token: interaction.token,
    expiresAt: new Date(created + INTERACTION_TOKEN_MS).toISOString(),
  };

  if (interaction.type === MESSAGE_COMPONENT) {
    const data = z.object({ custom_id: z.string().min(1).max(100), component_type: z.number() }).safeParse(interaction.data);
    if (!data.success || !interaction.message) return { type: "malformed", reason: "component interaction without custom_id or message" };
    const event: NormalizedEventInput = {
      ...base,
      kind: "action",
      text: `[pressed "${data.data.custom_id}" on the bot's message] ${componentLabel(interaction, data.data.custom_id)}`.trim(),
      replyTo: { channel: "discord", channelId, messageId: interaction.message.id, interaction: reply },
    };
    return { type: "event", event, ack: componentAck };
  }

  const command = readCommand(interaction);
  if ("unknown" in command) return ephemeral(`I don't know the command "${command.unknown}".`);
  const event: NormalizedEventInput = {
    ...base,
    kind: "command",
    text: command.text,
    replyTo: { channel: "discord", channelId, interaction: reply },
  };
  return { type: "event", event, ack: commandAck };
}

function commandAck(outcome: AcceptOutcome): Acknowledgement {
  if (outcome.status === "ignored") {
    return { status: 200, body: { type: 4, data: { content: `Not now: ${outcome.reason}.`, flags: EPHEMERAL } } };
  }
  return { status: 200, body: { type: 5 } };
}

function componentAck(): Acknowledgement {
  return { status: 200, body: { type: 6 } };
}

function readCommand(interaction: Interaction): { text: string } | { unknown: string } {
  const data = interaction.data as unknown as APIChatInputApplicationCommandInteractionData | APIMessageApplicationCommandInteractionData;
  if (data.type === CHAT_INPUT && data.name === COMMAND_NAMES.slash) {
    const option = (data.options ?? []).find((candidate) => candidate.name === "text");
    const text = option && "value" in option ? String(option.value) : "";
    return { text };
  }
  if (data.type === MESSAGE_COMMAND && data.name === COMMAND_NAMES.message) {
    const target = data.resolved?.messages?.[data.target_id];
    return { text: target ? messageText(target, "") : "" };
  }
  return { unknown: typeof data.name === "string" ? data.name.slice(0, 100) : "?" };
}

function componentLabel(interaction: Interaction, customId: string): string {
  const rows = (interaction.message as { components?: unknown }).components;
  if (!Array.isArray(rows)) return "";
  for (const row of rows as { components?: { custom_id?: string; label?: string }[] }[]) {
    const found = row.components?.find((component) => component.custom_id === customId);
    if (found?.label) return `(${found.label})`;
  }
  return "";
}

function actor(user: User, config: DiscordConfig): NormalizedEventInput["actor"] {
  return {
    id: user.id,
    name: user.global_name ?? user.username,
    isBot: user.bot === true,
    isSelf: user.id === config.botUserId,
  };
}

export type GatewayRoute =
  | { route: "deliver"; event: NormalizedEventInput }
  | { route: "skip"; reason: string };

/**
 * A Gateway MESSAGE_CREATE: a message that mentions the bot (`<@id>`, `<@!id>`, or a configured
 * role), a DM, a reply to one of the bot's messages, or any message in a thread (the
 * conversation agent answers those only once the bot takes part in that thread). The bot's own
 * messages and other bots' are skipped here; they never reach an agent.
 */
export function routeGatewayMessage(
  data: GatewayMessageCreateDispatchData,
  config: DiscordConfig,
  options: { allowBots?: boolean } = {},
): GatewayRoute {
  if (!data || typeof data.id !== "string" || typeof data.channel_id !== "string" || !data.author) {
    return { route: "skip", reason: "not a message" };
  }
  const author = data.author;
  if (author.id === config.botUserId) return { route: "skip", reason: "sent by the bot itself" };
  if ((author.bot || data.webhook_id) && !options.allowBots) {
    return { route: "skip", reason: `sent by another bot (${author.username}); set ALLOW_BOTS=true to answer bots` };
  }
  if (!CONVERSATIONAL_MESSAGE_TYPES.has(data.type)) return { route: "skip", reason: `message type ${data.type} is not conversation` };
  const guildId = data.guild_id;
  if (!guildAllowed(config, guildId)) return { route: "skip", reason: `guild ${guildId} is not in DISCORD_GUILD_ALLOWLIST` };

  const channelType = (data as { channel_type?: number }).channel_type;
  const direct = guildId === undefined || (channelType !== undefined && DM_CHANNEL_TYPES.has(channelType));
  const mentioned = mentionsBot(data, config);
  const repliedTo = data.referenced_message?.author?.id === config.botUserId;
  const inThread = channelType !== undefined && THREAD_CHANNEL_TYPES.has(channelType);
  if (!direct && !mentioned && !repliedTo && !inThread) {
    return { route: "skip", reason: "not addressed to the bot" };
  }
  const event: NormalizedEventInput = {
    channel: "discord",
    dedupeId: data.id,
    conversationKey: conversationKey(guildId, data.channel_id),
    kind: mentioned ? "mention" : "message",
    actor: {
      id: author.id,
      name: author.global_name ?? author.username,
      isBot: author.bot === true,
      isSelf: false,
    },
    text: messageText(data, config.botUserId, config.mentionRoleIds),
    addressedToBot: direct || mentioned || repliedTo,
    occurredAt: new Date(Date.parse(data.timestamp) || (snowflakeTime(data.id) ?? Date.now())).toISOString(),
    replyTo: { channel: "discord", channelId: data.channel_id, messageId: data.id },
  };
  return { route: "deliver", event };
}

function mentionsBot(data: GatewayMessageCreateDispatchData, config: DiscordConfig): boolean {
  const bot = config.botUserId;
  if (data.mentions?.some((user) => user.id === bot)) return true;
  if (new RegExp(`<@!?${bot}>`).test(data.content ?? "")) return true;
  return (data.mention_roles ?? []).some((role) => config.mentionRoleIds.includes(role));
}

/** Content with the bot's mention removed and other user mentions shown as @name. */
function messageText(message: Pick<APIMessage, "content" | "mentions">, botUserId: string, botRoles: readonly string[] = []): string {
  const names = new Map((message.mentions ?? []).map((user) => [user.id, user.global_name ?? user.username]));
  return (message.content ?? "")
    .replace(/<@!?(\d+)>/g, (whole, id: string) => (id === botUserId ? "" : names.has(id) ? `@${names.get(id)}` : whole))
    .replace(/<@&(\d+)>/g, (whole, id: string) => (botRoles.includes(id) ? "" : whole))
    .replace(/[ \t]{2,}/g, " ")
    .trim();
}
