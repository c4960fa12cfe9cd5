import { z } from "zod";
import type { AcceptOutcome, Acknowledgement, InboundRequest, Interpretation } from "../../src/channel.ts";
import type { NormalizedEventInput } from "../../src/event.ts";
import { malformed, parseJsonBody, PlatformId } from "../../src/payload.ts";
import { approvalOf, approvalThread } from "./approval.ts";
import { COMMAND_NAMES } from "./commands.ts";
import { guildAllowed, type DiscordConfig } from "./config.ts";
import { elevatedPermissions, permissionRole } from "./permissions.ts";
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
/** Text and announcement channels: a thread can be started from a message there. */
const THREAD_PARENT_TYPES = new Set([0, 5]);
/** Discord's limit on a thread's name. */
const THREAD_NAME_LIMIT = 100;
/** DEFAULT and REPLY; joins, pins, thread-created notices and the like start no turn. */
const CONVERSATIONAL_MESSAGE_TYPES = new Set([0, 19]);
const EPHEMERAL = 64;

const User = z.object({
  id: PlatformId,
  username: z.string(),
  global_name: z.string().nullable().optional(),
  bot: z.boolean().optional(),
});
type User = z.infer<typeof User>;

/** A component row (action row) and the fields of its buttons and menus that label an action. */
const ComponentRow = z.object({
  components: z.array(z.object({ custom_id: z.string().optional(), label: z.string().optional() })).optional(),
});

/** The fields of a message Switchboard reads, wherever the message comes from. */
const Message = z.object({
  id: PlatformId,
  author: User.optional(),
  content: z.string().optional(),
  mentions: z.array(User).optional(),
  components: z.array(ComponentRow).optional(),
});
type Message = z.infer<typeof Message>;

/** A Gateway MESSAGE_CREATE's data. */
const GatewayMessage = Message.extend({
  channel_id: PlatformId,
  author: User,
  type: z.number().int(),
  guild_id: PlatformId.optional(),
  channel_type: z.number().int().optional(),
  mention_roles: z.array(z.string()).optional(),
  referenced_message: z.object({ author: z.object({ id: z.string() }).optional() }).nullish(),
  webhook_id: z.string().optional(),
  timestamp: z.iso.datetime({ offset: true }).optional(),
});

const Interaction = z.object({
  id: PlatformId,
  application_id: PlatformId,
  type: z.number().int(),
  token: z.string().min(1).optional(),
  guild_id: PlatformId.optional(),
  channel_id: PlatformId.optional(),
  /** The channel, partial: a thread's carries its type (10–12) and the channel it lives in. */
  channel: z.object({ id: PlatformId, type: z.number().int().optional(), parent_id: PlatformId.nullish() }).optional(),
  /**
   * In a server: the member, their role ids and their permissions in this channel (a decimal
   * bitfield, overwrites included); approvals read both.
   */
  member: z
    .object({
      user: User,
      roles: z.array(PlatformId).max(250).optional(),
      permissions: z.string().regex(/^\d{1,40}$/, "must be a permission bitfield (decimal digits)").optional(),
    })
    .optional(),
  user: User.optional(),
});
type Member = NonNullable<z.infer<typeof Interaction>["member"]>;

/** An application command's data: `/triage <text>` (chat input) or "Triage this message" (message command). */
const CommandInteraction = Interaction.extend({
  token: z.string().min(1),
  data: z.object({
    name: z.string(),
    type: z.number().int(),
    options: z.array(z.object({ name: z.string(), value: z.union([z.string(), z.number(), z.boolean()]).optional() })).optional(),
    target_id: z.string().optional(),
    resolved: z.object({ messages: z.record(z.string(), Message).optional() }).optional(),
  }),
});
type CommandData = z.infer<typeof CommandInteraction>["data"];

/** A press on one of the bot's buttons or menus, and the message that carries it. */
const ComponentInteraction = Interaction.extend({
  token: z.string().min(1),
  data: z.object({ custom_id: z.string().min(1).max(100), component_type: z.number().int() }),
  message: Message,
});

/**
 * The key every event of one Discord conversation shares: `discord:{guild|@me}:{channel}` for a
 * DM or a channel's commands, `discord:{guild}:{channel}:{thread}` for a thread, named under the
 * channel it lives in. A thread the bot starts from a report has the report's message id, so the
 * report and every message later posted in its thread share one key.
 */
export function conversationKey(guildId: string | undefined | null, channelId: string, threadId?: string): string {
  return `discord:${guildId ?? "@me"}:${channelId}${threadId === undefined ? "" : `:${threadId}`}`;
}

/** A thread's name from the message it starts from: its first line, cut to fit. */
export function threadName(text: string, author: string): string {
  const line = text.split("\n").map((candidate) => candidate.trim()).find(Boolean) ?? "";
  const name = line.replace(/\s+/g, " ") || `Conversation with ${author}`;
  return name.length > THREAD_NAME_LIMIT ? `${name.slice(0, THREAD_NAME_LIMIT - 1).trimEnd()}…` : name;
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
  const body = parseJsonBody(request.text);
  if (!body.ok) return body.malformed;
  const parsed = Interaction.safeParse(body.value);
  if (!parsed.success) return malformed(parsed.error);
  const interaction = parsed.data;
  if (interaction.type === PING) return { type: "respond", status: 200, body: { type: 1 } };
  if (interaction.application_id !== config.applicationId) {
    return { type: "malformed", reason: "application_id: an interaction for another application" };
  }
  if (interaction.type === AUTOCOMPLETE) return { type: "respond", status: 200, body: { type: 8, data: { choices: [] } } };
  if (interaction.type === MODAL_SUBMIT) return ephemeral("This bot does not use forms.");
  if (interaction.type !== APPLICATION_COMMAND && interaction.type !== MESSAGE_COMPONENT) {
    return { type: "malformed", reason: `type: unknown interaction type ${interaction.type}` };
  }
  const channelId = interaction.channel_id ?? interaction.channel?.id;
  if (!channelId) return { type: "malformed", reason: "channel_id: required (or channel.id)" };
  const user = interaction.member?.user ?? interaction.user;
  // Discord puts the invoking user in `member.user` in a server and in `user` in a DM.
  if (!user) return { type: "malformed", reason: interaction.guild_id === undefined ? "user: required in a DM interaction" : "member.user: required in a server interaction" };
  if (!guildAllowed(config, interaction.guild_id)) return ephemeral("I am not enabled in this server.");

  // In a thread: the thread's conversation, whose key names the channel the thread lives in.
  const inThread = interaction.guild_id !== undefined && THREAD_CHANNEL_TYPES.has(interaction.channel?.type ?? -1);
  const parentId = interaction.channel?.parent_id;
  if (inThread && !parentId) return { type: "malformed", reason: "channel.parent_id: required for an interaction in a thread" };
  const created = snowflakeTime(interaction.id) ?? request.now;
  const base = {
    channel: "discord" as const,
    dedupeId: interaction.id,
    conversationKey: inThread ? conversationKey(interaction.guild_id, parentId!, channelId) : conversationKey(interaction.guild_id, channelId),
    actor: actor(user, config, interaction.member),
    addressedToBot: true,
    occurredAt: new Date(created).toISOString(),
  };
  const replyVia = (token: string) => ({
    applicationId: interaction.application_id,
    token,
    expiresAt: new Date(created + INTERACTION_TOKEN_MS).toISOString(),
  });

  if (interaction.type === MESSAGE_COMPONENT) {
    const component = ComponentInteraction.safeParse(body.value);
    if (!component.success) return malformed(component.error);
    const { data, message, token } = component.data;
    const approval = approvalOf(data.custom_id);
    // A request asked in the channel for a conversation whose thread could not be started.
    const thread = !inThread && interaction.guild_id !== undefined ? approvalThread(data.custom_id) : undefined;
    const event: NormalizedEventInput = {
      ...base,
      ...(thread ? { conversationKey: conversationKey(interaction.guild_id, channelId, thread) } : {}),
      kind: "action",
      text: `[pressed "${data.custom_id}" on the bot's message] ${componentLabel(message, data.custom_id)}`.trim(),
      replyTo: { channelId, messageId: message.id, interaction: replyVia(token) },
      ...(approval ? { approval } : {}),
    };
    return { type: "event", event, ack: approval ? approvalAck : componentAck };
  }

  const command = CommandInteraction.safeParse(body.value);
  if (!command.success) return malformed(command.error);
  const read = readCommand(command.data.data);
  if ("unknown" in read) return ephemeral(`I don't know the command "${read.unknown}".`);
  const event: NormalizedEventInput = {
    ...base,
    kind: "command",
    text: read.text,
    replyTo: { channelId, interaction: replyVia(command.data.token) },
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

/** A press on a request that is already decided says so to the person who pressed, and only to them. */
function approvalAck(outcome: AcceptOutcome): Acknowledgement {
  if (outcome.status === "ignored") {
    return { status: 200, body: { type: 4, data: { content: `Nothing to do: ${outcome.reason}.`, flags: EPHEMERAL, allowed_mentions: { parse: [] } } } };
  }
  return componentAck();
}

function readCommand(data: CommandData): { text: string } | { unknown: string } {
  if (data.type === CHAT_INPUT && data.name === COMMAND_NAMES.slash) {
    const option = data.options?.find((candidate) => candidate.name === "text");
    return { text: option?.value === undefined ? "" : String(option.value) };
  }
  if (data.type === MESSAGE_COMMAND && data.name === COMMAND_NAMES.message) {
    const messages = data.resolved?.messages;
    // hasOwn: a target id such as "__proto__" names no message.
    const target = messages && data.target_id !== undefined && Object.hasOwn(messages, data.target_id) ? messages[data.target_id] : undefined;
    return { text: target ? messageText(target, "") : "" };
  }
  return { unknown: data.name.slice(0, 100) };
}

function componentLabel(message: Message, customId: string): string {
  for (const row of message.components ?? []) {
    const found = row.components?.find((component) => component.custom_id === customId);
    if (found?.label) return `(${found.label.slice(0, 100)})`;
  }
  return "";
}

function actor(user: User, config: DiscordConfig, member?: Member): NormalizedEventInput["actor"] {
  return {
    id: user.id,
    name: user.global_name ?? user.username,
    isBot: user.bot === true,
    isSelf: user.id === config.botUserId,
    ...(member ? { roles: memberRoles(member) } : {}),
  };
}

/**
 * What a server member may do here, for approvals: `permission:NAME` for each elevated permission
 * they hold in the channel (permissions.ts), then their role ids. The permissions come first so
 * the cap of 250 entries never drops one.
 */
function memberRoles(member: Member): string[] {
  const permissions = member.permissions === undefined ? [] : elevatedPermissions(member.permissions).map(permissionRole);
  return [...permissions, ...(member.roles ?? [])].slice(0, 250);
}

/** What routing needs to know of a server channel: its type, and for a thread the channel it lives in. */
export interface ChannelInfo {
  readonly type: number;
  readonly parentId?: string | null;
}

export type GatewayRoute =
  | { route: "deliver"; event: NormalizedEventInput }
  | { route: "skip"; reason: string }
  /** A message in a server channel `channelId` whose type or thread parent `channel` did not know: look it up, then route again. */
  | { route: "lookup"; channelId: string };

export interface GatewayRouteOptions {
  readonly allowBots?: boolean;
  /** What is known of a server channel (the Gateway object's record of threads); undefined when nothing is. */
  readonly channel?: (channelId: string) => ChannelInfo | undefined;
}

/**
 * A Gateway MESSAGE_CREATE: a message that mentions the bot (`<@id>`, `<@!id>`, or a configured
 * role), a DM, a reply to one of the bot's messages, or any message in a thread (the
 * conversation agent answers those only once the bot takes part in that thread). The bot's own
 * messages and other bots' are skipped here; they never reach an agent.
 *
 * Conversations: a DM is one (`discord:@me:{channel}`). A message addressed to the bot in a text
 * or announcement channel starts one of its own, answered in a thread started from it
 * (`discord:{guild}:{channel}:{message}`; the thread takes the message's id). A message in a
 * thread belongs to that thread's (`discord:{guild}:{parent}:{thread}`): MESSAGE_CREATE does not
 * carry the parent, so `options.channel` supplies it, or the route asks for a lookup.
 */
export function routeGatewayMessage(payload: unknown, config: DiscordConfig, options: GatewayRouteOptions = {}): GatewayRoute {
  const parsed = GatewayMessage.safeParse(payload);
  if (!parsed.success) return { route: "skip", reason: `not a message (${malformed(parsed.error).reason})` };
  const data = parsed.data;
  const author = data.author;
  if (author.id === config.botUserId) return { route: "skip", reason: "sent by the bot itself" };
  if ((author.bot || data.webhook_id) && !options.allowBots) {
    return { route: "skip", reason: `sent by another bot (${author.username.slice(0, 100)}); set ALLOW_BOTS=true to answer bots` };
  }
  if (!CONVERSATIONAL_MESSAGE_TYPES.has(data.type)) return { route: "skip", reason: `message type ${data.type} is not conversation` };
  const guildId = data.guild_id;
  if (!guildAllowed(config, guildId)) return { route: "skip", reason: `guild ${guildId} is not in DISCORD_GUILD_ALLOWLIST` };

  // A server channel's type, and a thread's parent: from the message, else from what is known.
  let channelType = data.channel_type;
  let parentId: string | undefined;
  if (guildId !== undefined && (channelType === undefined || THREAD_CHANNEL_TYPES.has(channelType))) {
    const known = options.channel?.(data.channel_id);
    if (!known) return { route: "lookup", channelId: data.channel_id };
    channelType = known.type;
    parentId = known.parentId ?? undefined;
  }
  const direct = guildId === undefined || (channelType !== undefined && DM_CHANNEL_TYPES.has(channelType));
  const mentioned = mentionsBot(data, config);
  const repliedTo = data.referenced_message?.author?.id === config.botUserId;
  const inThread = !direct && channelType !== undefined && THREAD_CHANNEL_TYPES.has(channelType);
  if (!direct && !mentioned && !repliedTo && !inThread) {
    return { route: "skip", reason: "not addressed to the bot" };
  }
  if (inThread && !parentId) return { route: "skip", reason: `thread ${data.channel_id} names no parent channel` };
  const name = author.global_name ?? author.username;
  const text = messageText(data, config.botUserId, config.mentionRoleIds);
  const here = { channelId: data.channel_id, messageId: data.id };
  const place: Pick<NormalizedEventInput, "conversationKey" | "replyTo"> = direct
    ? { conversationKey: conversationKey(guildId, data.channel_id), replyTo: here }
    : inThread
      ? { conversationKey: conversationKey(guildId, parentId!, data.channel_id), replyTo: here }
      : THREAD_PARENT_TYPES.has(channelType ?? -1)
        ? {
            conversationKey: conversationKey(guildId, data.channel_id, data.id),
            replyTo: { channelId: data.id, messageId: data.id, startThread: { parentId: data.channel_id, name: threadName(text, name) } },
          }
        : // A voice or stage channel's chat holds no threads: its conversation is the channel's.
          { conversationKey: conversationKey(guildId, data.channel_id), replyTo: here };
  const event: NormalizedEventInput = {
    channel: "discord",
    dedupeId: data.id,
    ...place,
    kind: mentioned ? "mention" : "message",
    actor: { id: author.id, name, isBot: author.bot === true, isSelf: false },
    text,
    addressedToBot: direct || mentioned || repliedTo,
    occurredAt: new Date(Date.parse(data.timestamp ?? "") || (snowflakeTime(data.id) ?? Date.now())).toISOString(),
  };
  return { route: "deliver", event };
}

function mentionsBot(data: z.infer<typeof GatewayMessage>, config: DiscordConfig): boolean {
  const bot = config.botUserId;
  if (data.mentions?.some((user) => user.id === bot)) return true;
  const content = data.content ?? "";
  if (content.includes(`<@${bot}>`) || content.includes(`<@!${bot}>`)) return true;
  return (data.mention_roles ?? []).some((role) => config.mentionRoleIds.includes(role));
}

/** Content with the bot's mention removed and other user mentions shown as @name. */
function messageText(message: Message, botUserId: string, botRoles: readonly string[] = []): string {
  const names = new Map((message.mentions ?? []).map((user) => [user.id, user.global_name ?? user.username]));
  return (message.content ?? "")
    .replace(/<@!?(\d+)>/g, (whole, id: string) => (id === botUserId ? "" : names.has(id) ? `@${names.get(id)}` : whole))
    .replace(/<@&(\d+)>/g, (whole, id: string) => (botRoles.includes(id) ? "" : whole))
    .replace(/[ \t]{2,}/g, " ")
    .trim();
}
