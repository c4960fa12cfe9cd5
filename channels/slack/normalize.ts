import { z } from "zod";
import type { AcceptOutcome, Acknowledgement, InboundRequest, Interpretation } from "../../src/channel.ts";
import type { EventKind, NormalizedEventInput } from "../../src/event.ts";
import { malformed, parseJsonBody, PlatformId } from "../../src/payload.ts";
import type { SlackConfig } from "./config.ts";
import { APPROVE_ACTION, DENY_ACTION } from "./approval.ts";
import { uninstallation } from "./install.ts";
import { mentions, slackToPlain } from "./text.ts";

// ---- Events API (POST /webhooks/slack/events, JSON) ---------------------------------------

/**
 * Slack's message timestamps ("1700000000.000100": seconds and microseconds) are ids as well as
 * times. Ten digits of seconds reach the year 2286; anything longer is no time Slack sent.
 */
const SlackTs = z.string().regex(/^\d{1,10}(\.\d{1,9})?$/, "must be a Slack timestamp (seconds.microseconds)");

const MessageEvent = z.object({
  type: z.enum(["message", "app_mention"]),
  subtype: z.string().optional(),
  channel: PlatformId,
  channel_type: z.string().optional(),
  user: PlatformId.optional(),
  bot_id: PlatformId.optional(),
  app_id: z.string().optional(),
  username: z.string().optional(),
  text: z.string().optional(),
  ts: SlackTs,
  thread_ts: SlackTs.optional(),
});

const AssistantThreadStarted = z.object({
  type: z.literal("assistant_thread_started"),
  assistant_thread: z.object({ user_id: PlatformId, channel_id: PlatformId, thread_ts: SlackTs }),
  event_ts: SlackTs.optional(),
});

const EventEnvelope = z.object({
  type: z.literal("event_callback"),
  team_id: PlatformId,
  api_app_id: z.string().optional(),
  event_id: z.string().min(1).max(100).optional(),
  authorizations: z.array(z.object({ user_id: z.string().optional(), is_bot: z.boolean().optional() })).optional(),
  event: z.object({ type: z.string().max(100), subtype: z.string().max(100).optional() }).passthrough(),
});

/** The event checked within its envelope, so a 400 names the field as it sits in the body ("event.ts"). */
const MessageCallback = z.object({ event: MessageEvent });
const AssistantThreadCallback = z.object({ event: AssistantThreadStarted });

/** Every Events API and interactivity body is an object with a `type` naming what it is. */
const Callback = z.object({ type: z.string().max(100) });
const UrlVerification = z.object({ challenge: z.string().max(100) });

/** Message subtypes that are still someone writing to the bot; every other subtype is an edit, a join, a deletion… */
const CONVERSATIONAL_SUBTYPES = new Set(["file_share", "thread_broadcast", "bot_message", "me_message"]);

/**
 * Turns a verified Events API delivery into a normalized event. Triggers: `app_mention`;
 * `message` in DMs; `message` that @-mentions the bot (what `message.channels` delivers for a
 * mention); `message` replies in threads (addressed to no one: the agent takes them only when
 * the bot already takes part in that thread); `assistant_thread_started`. Edits, deletions and
 * other subtypes are ignored; the bot's own echoes are marked `isSelf` for the ingress policy.
 */
export function interpretEvents(request: InboundRequest, config: SlackConfig): Interpretation {
  const body = parseJsonBody(request.text);
  if (!body.ok) return body.malformed;
  const payload = body.value;
  const callback = Callback.safeParse(payload);
  if (!callback.success) return malformed(callback.error);
  const kind = callback.data.type;
  if (kind === "url_verification") {
    const verification = UrlVerification.safeParse(payload);
    if (!verification.success) return malformed(verification.error);
    return { type: "respond", status: 200, body: { challenge: verification.data.challenge } };
  }
  if (kind === "app_rate_limited") return { type: "ignore", reason: "Slack reports the app is rate limited" };
  if (kind !== "event_callback") return { type: "ignore", reason: `Slack "${kind}" callbacks are not handled` };

  const envelope = EventEnvelope.safeParse(payload);
  if (!envelope.success) return malformed(envelope.error);
  const { team_id: team, event } = envelope.data;
  if (!teamAllowed(team, config)) return { type: "ignore", reason: `workspace ${team} is not in SLACK_TEAM_ALLOWLIST` };
  const botUserId = envelope.data.authorizations?.find((a) => a.is_bot)?.user_id ?? envelope.data.authorizations?.[0]?.user_id ?? config.botUserId;
  const dedupeId = envelope.data.event_id ?? `${team}:${event.type}:${stableEventKey(event)}`;

  if (event.type === "assistant_thread_started") {
    const parsed = AssistantThreadCallback.safeParse(payload);
    if (!parsed.success) return malformed(parsed.error);
    const thread = parsed.data.event.assistant_thread;
    return emit({
      dedupeId,
      aliases: [],
      team,
      channel: thread.channel_id,
      threadTs: thread.thread_ts,
      kind: "message",
      actor: { id: thread.user_id, name: thread.user_id, isBot: false, isSelf: false },
      text: "(opened an assistant thread)",
      addressedToBot: true,
      occurredAt: tsToIso(parsed.data.event.event_ts ?? thread.thread_ts),
    });
  }
  if (event.type === "app_uninstalled" || event.type === "tokens_revoked") return uninstallation(payload, team, event.type);
  if (event.type !== "message" && event.type !== "app_mention") {
    return { type: "ignore", reason: `Slack "${event.type}" events do not start a turn` };
  }
  if (event.subtype && !CONVERSATIONAL_SUBTYPES.has(event.subtype)) {
    return { type: "ignore", reason: `message subtype "${event.subtype}" does not start a turn` };
  }
  const parsed = MessageCallback.safeParse(payload);
  if (!parsed.success) return malformed(parsed.error);
  const message = parsed.data.event;
  const text = message.text ?? "";
  const isDirect = message.channel_type === "im" || (message.channel_type === undefined && message.channel.startsWith("D"));
  const inThread = message.thread_ts !== undefined && message.thread_ts !== message.ts;
  const mentioned = message.type === "app_mention" || mentions(text, botUserId);
  if (!mentioned && !isDirect && !inThread) {
    return { type: "ignore", reason: "a channel message that does not mention the bot" };
  }
  const isSelf =
    (botUserId !== undefined && message.user === botUserId) ||
    (message.app_id !== undefined && message.app_id === envelope.data.api_app_id);
  const actorId = message.user ?? message.bot_id;
  if (!actorId) return { type: "malformed", reason: "event.user: required (or event.bot_id)" };
  return emit({
    dedupeId,
    // app_mention and message.channels deliver one mention twice, with different event ids.
    aliases: [`slack:${team}:${message.channel}:${message.ts}`],
    team,
    channel: message.channel,
    threadTs: message.thread_ts ?? message.ts,
    messageTs: message.ts,
    kind: mentioned ? "mention" : "message",
    actor: {
      id: actorId,
      name: message.username ?? actorId,
      isBot: message.bot_id !== undefined || message.subtype === "bot_message",
      isSelf,
    },
    text: slackToPlain(text, botUserId),
    addressedToBot: mentioned || isDirect,
    occurredAt: tsToIso(message.ts),
    // The thread's first message: a thread started after the participation index began keeping
    // count, and not listed there, is one the bot never joined.
    startedAt: tsToIso(message.thread_ts ?? message.ts),
  });
}

// ---- Slash commands (POST /webhooks/slack/commands, form) ---------------------------------

const Command = z.object({
  team_id: PlatformId,
  channel_id: PlatformId,
  user_id: PlatformId,
  user_name: z.string().optional(),
  command: z.string().min(1).max(100),
  text: z.string().default(""),
  response_url: z.url(),
  trigger_id: z.string().min(1).max(100),
});

/**
 * A slash command starts a turn with its text. Slack waits 3 seconds for the HTTP answer, which
 * becomes the ephemeral "on it" note; the answer itself goes to the command's `response_url`.
 * Each invocation is its own conversation (a command has no message to thread under).
 */
export function interpretCommand(request: InboundRequest, config: SlackConfig): Interpretation {
  const parsed = Command.safeParse(Object.fromEntries(new URLSearchParams(request.text)));
  if (!parsed.success) return malformed(parsed.error);
  const command = parsed.data;
  if (!teamAllowed(command.team_id, config)) {
    return { type: "respond", status: 200, body: ephemeral("This workspace is not set up to use this bot.") };
  }
  const text = slackToPlain(command.text, config.botUserId);
  if (text === "") return { type: "respond", status: 200, body: ephemeral(`Usage: ${command.command} <your question>`) };
  const id = `command.${command.trigger_id}`;
  return {
    ...emit({
      dedupeId: `${command.team_id}:${id}`,
      aliases: [],
      team: command.team_id,
      channel: command.channel_id,
      // Not a message ts: the outbound client answers a command through its response_url.
      threadTs: id,
      responseUrl: command.response_url,
      kind: "command",
      actor: { id: command.user_id, name: command.user_name ?? command.user_id, isBot: false, isSelf: false },
      text: `${command.command} ${text}`,
      addressedToBot: true,
      occurredAt: new Date(request.now).toISOString(),
    }),
    ack: commandAck,
  };
}

function commandAck(outcome: AcceptOutcome): Acknowledgement {
  switch (outcome.status) {
    case "accepted":
      return { status: 200, body: ephemeral("On it… I will answer here shortly.") };
    case "duplicate":
      return { status: 200, body: ephemeral("Already on it.") };
    case "ignored":
      return { status: 200, body: ephemeral(`Nothing to do: ${outcome.reason}.`) };
  }
}

function ephemeral(text: string) {
  return { response_type: "ephemeral", text };
}

// ---- Interactivity (POST /webhooks/slack/interactions, form with a `payload` JSON field) ---

const BlockActions = z.object({
  type: z.literal("block_actions"),
  api_app_id: z.string().optional(),
  trigger_id: z.string().optional(),
  response_url: z.url().optional(),
  user: z.object({ id: PlatformId, username: z.string().optional(), name: z.string().optional(), team_id: PlatformId.optional() }),
  team: z.object({ id: PlatformId }).nullable().optional(),
  channel: z.object({ id: PlatformId }).optional(),
  container: z.object({ type: z.string(), channel_id: PlatformId.optional(), message_ts: z.string().optional() }).optional(),
  message: z
    .object({
      ts: SlackTs,
      thread_ts: SlackTs.optional(),
      user: z.string().optional(),
      bot_id: z.string().optional(),
      app_id: z.string().optional(),
    })
    .optional(),
  actions: z
    .array(
      z.object({
        action_id: z.string().max(255),
        action_ts: SlackTs.optional(),
        value: z.string().optional(),
        text: z.object({ text: z.string() }).optional(),
        selected_option: z.object({ value: z.string(), text: z.object({ text: z.string() }).optional() }).nullable().optional(),
      }),
    )
    .min(1),
});

/**
 * `block_actions` on a message the bot posted (its buttons: approve, reject, file as an issue…)
 * go to the conversation that posted the message: the thread it sits in. Modals, shortcuts and
 * buttons on other apps' messages start nothing.
 */
export function interpretInteraction(request: InboundRequest, config: SlackConfig): Interpretation {
  const raw = new URLSearchParams(request.text).get("payload");
  if (raw === null) return { type: "malformed", reason: "payload: required (a form field holding JSON)" };
  const json = parseJsonBody(raw);
  if (!json.ok) return { type: "malformed", reason: "payload: not valid JSON" };
  const payload = json.value;
  const callback = Callback.safeParse(payload);
  if (!callback.success) return malformed(callback.error);
  const kind = callback.data.type;
  if (kind !== "block_actions") return { type: "ignore", reason: `Slack "${kind}" interactions are not handled` };
  const parsed = BlockActions.safeParse(payload);
  if (!parsed.success) return malformed(parsed.error);
  const actions = parsed.data;
  const team = actions.team?.id ?? actions.user.team_id;
  const channel = actions.container?.channel_id ?? actions.channel?.id;
  const message = actions.message;
  if (!team || !channel || !message) return { type: "ignore", reason: "an action outside a channel message" };
  if (!teamAllowed(team, config)) return { type: "ignore", reason: `workspace ${team} is not in SLACK_TEAM_ALLOWLIST` };
  // Slack sends an app only the actions on its own blocks, and only apps post interactive
  // blocks; a message that names another app is refused all the same.
  if (message.app_id !== undefined && actions.api_app_id !== undefined && message.app_id !== actions.api_app_id) {
    return { type: "ignore", reason: "an action on a message another app posted" };
  }
  const action = actions.actions[0]!;
  const label = action.selected_option?.text?.text ?? action.text?.text ?? action.action_id;
  const value = action.selected_option?.value ?? action.value;
  const id = actions.trigger_id ?? `${message.ts}:${action.action_ts ?? action.action_id}`;
  return emit({
    dedupeId: `${team}:action.${id}`,
    aliases: [],
    team,
    channel,
    threadTs: message.thread_ts ?? message.ts,
    messageTs: message.ts,
    ...(actions.response_url ? { responseUrl: actions.response_url } : {}),
    kind: "action",
    actor: { id: actions.user.id, name: actions.user.username ?? actions.user.name ?? actions.user.id, isBot: false, isSelf: false },
    text: `Pressed "${label}" (action ${action.action_id}${value !== undefined ? `, value ${value}` : ""})`,
    addressedToBot: true,
    occurredAt: action.action_ts ? tsToIso(action.action_ts) : new Date(request.now).toISOString(),
    ...approvalOf(action.action_id, value),
  });
}

/** The bot's own Approve and Deny buttons (channels/slack/approval.ts) carry the request's id. */
function approvalOf(actionId: string, value: string | undefined): Pick<EmitInput, "approval"> {
  if (value === undefined || (actionId !== APPROVE_ACTION && actionId !== DENY_ACTION)) return {};
  return { approval: { id: value.slice(0, 64), approve: actionId === APPROVE_ACTION } };
}

// ---- Shared ---------------------------------------------------------------------------------

interface EmitInput {
  dedupeId: string;
  aliases: string[];
  team: string;
  channel: string;
  threadTs: string;
  messageTs?: string;
  responseUrl?: string;
  kind: EventKind;
  actor: NormalizedEventInput["actor"];
  text: string;
  addressedToBot: boolean;
  occurredAt: string;
  startedAt?: string;
  approval?: NormalizedEventInput["approval"];
}

function emit(input: EmitInput): Extract<Interpretation, { type: "event" }> {
  const event: NormalizedEventInput = {
    channel: "slack",
    // Slack's own ids are far shorter than the limit; only a payload that is not Slack's gets cut.
    dedupeId: input.dedupeId.slice(0, 200),
    aliases: input.aliases,
    conversationKey: `slack:${input.team}:${input.channel}:${input.threadTs}`,
    kind: input.kind,
    actor: input.actor,
    text: input.text,
    addressedToBot: input.addressedToBot,
    occurredAt: input.occurredAt,
    ...(input.startedAt ? { startedAt: input.startedAt } : {}),
    ...(input.approval ? { approval: input.approval } : {}),
    replyTo: {
      teamId: input.team,
      channelId: input.channel,
      threadTs: input.threadTs,
      ...(input.messageTs ? { messageTs: input.messageTs } : {}),
      ...(input.responseUrl ? { responseUrl: input.responseUrl } : {}),
    },
  };
  return { type: "event", event };
}

function teamAllowed(team: string, config: SlackConfig): boolean {
  return config.teamAllowlist.length === 0 || config.teamAllowlist.includes(team.toUpperCase());
}

/** A delivery id for the rare payload without `event_id` (stable across redeliveries). */
function stableEventKey(event: Record<string, unknown>): string {
  const pick = (key: string) => (typeof event[key] === "string" ? (event[key] as string) : "");
  return [pick("channel"), pick("ts") || pick("event_ts")].join(":");
}

/** Slack ts "1700000000.000100" → ISO 8601; `SlackTs` keeps it within the dates a Date holds. */
function tsToIso(ts: z.infer<typeof SlackTs>): string {
  return new Date(Math.floor(Number(ts) * 1000)).toISOString();
}
