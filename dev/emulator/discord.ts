// Emulated Discord REST API (the subset Switchboard uses), mounted at `/discord/api/v10`, so
// `DISCORD_API_URL=<emulator>/discord/api/v10` mirrors `https://discord.com/api/v10` and the real
// @discordjs/rest client talks to it unchanged. The fake Gateway is `ws://<emulator>/discord/gateway`.
import { Hono, type Context } from "hono";
import {
  ApplicationFlags,
  type APIDMChannel,
  type APIMessage,
  type APIMessageTopLevelComponent,
  type APITextChannel,
  type APIThreadChannel,
  type APIUser,
  type ChannelFlags,
  type ChannelType,
  type GatewayMessageCreateDispatchData,
  type GatewayThreadCreateDispatchData,
  type RESTGetAPIChannelResult,
  type RESTGetCurrentApplicationResult,
  type RESTPostAPIChannelMessagesThreadsJSONBody,
  type RESTPostAPIChannelMessagesThreadsResult,
  type ThreadChannelType,
} from "discord-api-types/v10";
import { z } from "zod";
import { recorderMiddleware, type Core, type PlatformModule, readJsonBody } from "./core.ts";
import {
  DiscordError,
  djson,
  invalidFormBody,
  invalidWebhookToken,
  notFound,
  rateLimitHeaders,
  renderDiscordFault,
  threadAlreadyCreated,
  unauthorized,
  unknownChannel,
  unknownMessage,
  unknownWebhook,
  wrongChannelType,
} from "./discord-http.ts";
import { createFakeGateway, GATEWAY_PATH, type FakeGateway } from "./discord-gateway.ts";
import { createDiscordStore, INTERACTION_TOKEN_MS, type StoredInteraction } from "./discord-state.ts";

export interface DiscordOptions {
  /** Bot tokens accepted as `Authorization: Bot <token>` and in the Gateway's IDENTIFY. */
  tokens: string[];
  applicationId: string;
  /** Default: the application id (as for apps made in the Developer Portal). */
  botUserId?: string;
  botName?: string;
  heartbeatIntervalMs?: number;
  /** The application's hex Ed25519 public key (`verify_key`); default DEV_DISCORD's. */
  publicKey?: string;
  /** The Interactions Endpoint URL set in the Developer Portal; default none. */
  interactionsEndpointUrl?: string;
}

export const DISCORD_API_PREFIX = "/discord/api/v10";
/**
 * MessageFlags.Ephemeral. A number here: discord-api-types' enums are not always there at run time
 * when the emulator is loaded through vite (the test setup), only its types are.
 */
const EPHEMERAL = 64;

/**
 * Dev-only Discord identity for `npm run dev`; protects nothing. `keySeed` is the 32-byte Ed25519
 * private key (PKCS#8 seed) that signs playground interactions; `publicKey` is its public half.
 */
export const DEV_DISCORD = {
  token: "switchboard-dev-discord-bot-token",
  applicationId: "1300000000000000001",
  guildId: "1300000000000000002",
  keySeed: "db75b92d1838a7198fab1da1ae493eb43d512fa67e862dbfd7d02d519054180e",
  publicKey: "c3240b61127fe3ff8e90b8e98b93872e550b05f7986fe0c225fc9d771e2e020e",
} as const;

const MessageBody = z.object({
  content: z.string().optional(),
  nonce: z.union([z.string(), z.number().int()]).optional(),
  enforce_nonce: z.boolean().optional(),
  allowed_mentions: z.object({ parse: z.array(z.string()).optional() }).passthrough().optional(),
  message_reference: z.object({ message_id: z.string(), fail_if_not_exists: z.boolean().optional() }).passthrough().optional(),
  embeds: z.array(z.unknown()).optional(),
  components: z.array(z.unknown()).optional(),
  flags: z.number().int().nonnegative().optional(),
});

// Channel types by Discord's numbers (enums: see EPHEMERAL).
const GUILD_TEXT = 0;
const DM = 1;
const GUILD_ANNOUNCEMENT = 5;
const ANNOUNCEMENT_THREAD = 10;
const PUBLIC_THREAD = 11;
const PRIVATE_THREAD = 12;
/** Channels a thread can be started from a message in. */
const THREAD_PARENT_TYPES = new Set([GUILD_TEXT, GUILD_ANNOUNCEMENT]);
const AUTO_ARCHIVE_MINUTES = [60, 1440, 4320, 10080];

/** RESTPostAPIChannelMessagesThreadsJSONBody, refused the way Discord refuses it (Invalid Form Body naming the field). */
function threadBody(raw: unknown): RESTPostAPIChannelMessagesThreadsJSONBody {
  const body = (raw ?? {}) as Record<string, unknown>;
  if (typeof body.name !== "string") throw invalidFormBody("name", "BASE_TYPE_REQUIRED", "This field is required");
  if (body.name.length < 1 || body.name.length > 100) throw invalidFormBody("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.");
  if (body.auto_archive_duration !== undefined && !AUTO_ARCHIVE_MINUTES.includes(body.auto_archive_duration as number)) {
    throw invalidFormBody("auto_archive_duration", "BASE_TYPE_CHOICES", `Value must be one of {${AUTO_ARCHIVE_MINUTES.join(", ")}}.`);
  }
  const slow = body.rate_limit_per_user;
  if (slow !== undefined && (typeof slow !== "number" || !Number.isInteger(slow) || slow < 0 || slow > 21_600)) {
    throw invalidFormBody("rate_limit_per_user", "NUMBER_TYPE_MAX", "Must be between 0 and 21600.");
  }
  return body as unknown as RESTPostAPIChannelMessagesThreadsJSONBody;
}

const readJson = (c: Context) => readJsonBody(c, () => new DiscordError(400, "400: Bad Request", 50109));

function messageBody(raw: unknown) {
  const parsed = MessageBody.safeParse(raw);
  if (!parsed.success) throw invalidFormBody(String(parsed.error.issues[0]?.path[0] ?? "body"), "BASE_TYPE_INVALID", "Invalid value.");
  const body = parsed.data;
  if ((body.content ?? "").length > 2000) throw invalidFormBody("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.");
  if (!body.content && !body.embeds?.length && !body.components?.length) throw new DiscordError(400, "Cannot send an empty message", 50006);
  if (typeof body.nonce === "string" && body.nonce.length > 25) throw invalidFormBody("nonce", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
  return { ...body, components: body.components === undefined ? undefined : messageComponents(body.components) };
}

/** An edit: every field optional; `components: []` takes the buttons away. */
function editBody(raw: unknown) {
  const parsed = MessageBody.pick({ content: true, components: true, allowed_mentions: true }).safeParse(raw);
  if (!parsed.success) throw invalidFormBody(String(parsed.error.issues[0]?.path[0] ?? "body"), "BASE_TYPE_INVALID", "Invalid value.");
  if ((parsed.data.content ?? "").length > 2000) throw invalidFormBody("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.");
  return { ...parsed.data, components: parsed.data.components === undefined ? undefined : messageComponents(parsed.data.components) };
}

/**
 * Action rows of buttons, checked the way Discord refuses them (Invalid Form Body naming the
 * field): at most 5 rows of 1–5 buttons, a custom_id of 1–100 characters, a label of at most 80.
 */
function messageComponents(rows: unknown[]): APIMessageTopLevelComponent[] {
  const Button = z.object({
    type: z.literal(2),
    style: z.number().int().min(1).max(4),
    custom_id: z.string(),
    label: z.string().optional(),
    disabled: z.boolean().optional(),
  });
  const Row = z.object({ type: z.literal(1), components: z.array(z.unknown()) });
  if (rows.length > 5) throw invalidFormBody("components", "BASE_TYPE_BAD_LENGTH", "Must be between 0 and 5 in length.");
  return rows.map((raw, r) => {
    const row = Row.safeParse(raw);
    if (!row.success) throw invalidFormBody(`components.${r}.type`, "COMPONENT_TYPE_INVALID", "Value must be one of {1}.");
    if (row.data.components.length < 1 || row.data.components.length > 5) {
      throw invalidFormBody(`components.${r}.components`, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.");
    }
    const buttons = row.data.components.map((rawButton, b) => {
      const button = Button.safeParse(rawButton);
      if (!button.success) throw invalidFormBody(`components.${r}.components.${b}.${String(button.error.issues[0]?.path[0] ?? "type")}`, "BASE_TYPE_INVALID", "Invalid value.");
      if (button.data.custom_id.length < 1 || button.data.custom_id.length > 100) {
        throw invalidFormBody(`components.${r}.components.${b}.custom_id`, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.");
      }
      if ((button.data.label ?? "").length > 80) throw invalidFormBody(`components.${r}.components.${b}.label`, "BASE_TYPE_MAX_LENGTH", "Must be 80 or fewer in length.");
      return button.data;
    });
    return { type: 1, components: buttons } as APIMessageTopLevelComponent;
  });
}

export function createDiscordPlatform(core: Core, options: DiscordOptions): PlatformModule & { gateway: FakeGateway } {
  const botUser: APIUser = {
    id: options.botUserId ?? options.applicationId,
    username: options.botName ?? "switchboard",
    discriminator: "0",
    global_name: null,
    avatar: null,
    bot: true,
  };
  const store = createDiscordStore(botUser);
  const gateway = createFakeGateway({ tokens: options.tokens, botUser, applicationId: options.applicationId, heartbeatIntervalMs: options.heartbeatIntervalMs });
  /** A message as the Gateway announces it: the stored message plus guild and channel type. */
  const announce = (message: APIMessage, guildId?: string, channelType?: number) =>
    gateway.dispatch("MESSAGE_CREATE", { ...message, ...(guildId ? { guild_id: guildId } : {}), ...(channelType !== undefined ? { channel_type: channelType } : {}) });
  /** Channels the emulator has seen, with their server and type; threads included (their type 10–12). */
  const guildOf = new Map<string, { guildId?: string; channelType?: number }>();

  /**
   * Opens a thread in `parentId`, from `starter` when given (the thread takes its id), as `owner`;
   * Discord dispatches THREAD_CREATE (`newly_created`) to the bot, unless `announce` is false: a
   * thread the bot's Gateway never heard of (it had no access then, or it is private).
   */
  const openThread = (parentId: string, body: RESTPostAPIChannelMessagesThreadsJSONBody, owner: APIUser, starter?: APIMessage, options: { announce?: boolean; private?: boolean } = {}): APIThreadChannel => {
    const parent = guildOf.get(parentId);
    const parentType = parent?.channelType ?? GUILD_TEXT;
    if (!THREAD_PARENT_TYPES.has(parentType) || parent?.guildId === undefined) throw wrongChannelType();
    if (starter?.thread || (starter && store.thread(starter.id))) throw threadAlreadyCreated();
    const type = (parentType === GUILD_ANNOUNCEMENT ? ANNOUNCEMENT_THREAD : options.private ? PRIVATE_THREAD : PUBLIC_THREAD) as ThreadChannelType;
    const thread = store.startThread({
      parentId,
      guildId: parent.guildId,
      type,
      name: body.name,
      ownerId: owner.id,
      ...(body.auto_archive_duration !== undefined ? { autoArchiveDuration: body.auto_archive_duration } : {}),
      ...(body.rate_limit_per_user !== undefined && body.rate_limit_per_user !== null ? { rateLimitPerUser: body.rate_limit_per_user } : {}),
      ...(starter ? { starter } : {}),
    });
    guildOf.set(thread.id, { guildId: parent.guildId, channelType: type });
    if (options.announce !== false) gateway.dispatch("THREAD_CREATE", { ...thread, newly_created: true } satisfies GatewayThreadCreateDispatchData);
    return thread;
  };

  const api = new Hono();
  api.onError((err, c) =>
    err instanceof DiscordError ? djson(c, err.body, err.status) : djson(c, { message: "500: Internal Server Error", code: 0, detail: String(err) }, 500),
  );
  api.use(recorderMiddleware(core, "discord", DISCORD_API_PREFIX, renderDiscordFault));
  api.use(async (c, next) => {
    for (const [k, v] of Object.entries(rateLimitHeaders(c.req.path, Date.now()))) c.header(k, v);
    // Interaction webhooks are authenticated by the token in their path, not the bot token.
    const tokenRoute = /\/(webhooks|interactions)\//.test(c.req.path);
    if (!tokenRoute) {
      const match = /^Bot (.+)$/.exec(c.req.header("authorization") ?? "");
      if (!match || !options.tokens.includes(match[1]!)) throw unauthorized();
    }
    await next();
  });

  // ---- Identity and Gateway discovery ------------------------------------------------------

  api.get("/users/@me", (c) => djson(c, botUser));
  // The bot token's own application, as the Developer Portal shows it.
  api.get("/applications/@me", (c) => {
    const application: RESTGetCurrentApplicationResult = {
      id: options.applicationId,
      name: botUser.username,
      icon: null,
      description: "",
      bot_public: true,
      bot_require_code_grant: false,
      bot: botUser,
      summary: "",
      verify_key: options.publicKey ?? DEV_DISCORD.publicKey,
      team: null,
      // A bot without the privileged Message Content intent, as channels/discord/README.md sets it up.
      flags: ApplicationFlags.GatewayMessageContentLimited,
      flags_new: String(ApplicationFlags.GatewayMessageContentLimited),
      interactions_endpoint_url: options.interactionsEndpointUrl ?? null,
    };
    return djson(c, application);
  });
  api.get("/gateway/bot", (c) => {
    const origin = new URL(c.req.url).origin.replace(/^http/, "ws");
    return djson(c, {
      url: `${origin}${GATEWAY_PATH}`,
      shards: 1,
      session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 },
    });
  });

  // ---- Channel messages ----------------------------------------------------------------------

  /**
   * A message's id names a channel only once a thread was started from that message: posting
   * there before is Discord's Unknown Channel (the emulator takes any other id as a channel).
   */
  const postable = (channelId: string) => {
    if (!store.thread(channelId) && store.isMessageId(channelId)) throw unknownChannel();
  };

  api.post("/channels/:channel/messages", async (c) => {
    const channelId = c.req.param("channel");
    postable(channelId);
    const body = messageBody(await readJson(c));
    const now = Date.now();
    if (body.nonce !== undefined && body.enforce_nonce) {
      const existing = store.byNonce(channelId, botUser.id, String(body.nonce), now);
      if (existing) return djson(c, existing);
    }
    let reference: APIMessage | undefined;
    if (body.message_reference) {
      reference = store.find(channelId, body.message_reference.message_id);
      if (!reference && body.message_reference.fail_if_not_exists !== false) {
        throw invalidFormBody("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message");
      }
    }
    const where = guildOf.get(channelId);
    const message = store.add({
      channelId,
      guildId: where?.guildId,
      author: botUser,
      content: body.content ?? "",
      nonce: body.nonce,
      reference,
      ...(body.components ? { extra: { components: body.components } } : {}),
    });
    announce(message, where?.guildId, where?.channelType);
    return djson(c, message);
  });

  // The bot edits its own message (the approval request, once decided); anyone else's is refused.
  api.patch("/channels/:channel/messages/:id", async (c) => {
    const message = store.find(c.req.param("channel"), c.req.param("id"));
    if (!message) throw unknownMessage();
    if (message.author.id !== botUser.id) throw new DiscordError(403, "Cannot edit a message authored by another user", 50005);
    const body = editBody(await readJson(c));
    return djson(c, store.edit(message, { ...(body.content !== undefined ? { content: body.content } : {}), ...(body.components ? { components: body.components } : {}) }));
  });

  api.get("/channels/:channel/messages", (c) => {
    const limit = Math.min(100, Math.max(1, Number(c.req.query("limit") ?? 50)));
    return djson(c, store.list(c.req.param("channel")).reverse().slice(0, limit));
  });

  api.get("/channels/:channel/messages/:id", (c) => {
    const message = store.find(c.req.param("channel"), c.req.param("id"));
    if (!message) throw unknownMessage();
    return djson(c, message);
  });

  api.post("/channels/:channel/typing", (c) => (postable(c.req.param("channel")), c.body(null, 204)));

  // Start Thread from Message: the thread's id is the message's; a second start is 160004.
  api.post("/channels/:channel/messages/:message/threads", async (c) => {
    const channelId = c.req.param("channel");
    const body = threadBody(await readJson(c));
    const starter = store.find(channelId, c.req.param("message"));
    if (!starter) throw unknownMessage();
    const thread: RESTPostAPIChannelMessagesThreadsResult = openThread(channelId, body, botUser, starter);
    return djson(c, thread, 201);
  });

  // A channel by id: a thread with its parent, or a channel the emulator has seen.
  api.get("/channels/:channel", (c) => {
    const id = c.req.param("channel");
    const thread = store.thread(id);
    if (thread) return djson(c, thread satisfies RESTGetAPIChannelResult);
    const seen = guildOf.get(id);
    // A thread only named in a message (not opened here) has no parent the emulator could tell.
    if (!seen || [ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD].includes(seen.channelType ?? GUILD_TEXT)) throw unknownChannel();
    const last = store.list(id).at(-1)?.id ?? null;
    const flags = 0 as ChannelFlags;
    const channel: RESTGetAPIChannelResult =
      seen.guildId === undefined || seen.channelType === DM
        ? ({ id, type: DM as ChannelType.DM, name: null, last_message_id: last, recipients: [], flags } satisfies APIDMChannel)
        : ({ id, type: (seen.channelType ?? GUILD_TEXT) as ChannelType.GuildText, guild_id: seen.guildId, name: `channel-${id.slice(-4)}`, position: 0, permission_overwrites: [], parent_id: null, nsfw: false, topic: null, last_message_id: last, rate_limit_per_user: 0, flags } satisfies APITextChannel);
    return djson(c, channel);
  });

  // ---- Interactions --------------------------------------------------------------------------

  const interactionFor = (c: Context): StoredInteraction => {
    const stored = store.interaction(c.req.param("token") ?? "");
    if (!stored || stored.applicationId !== c.req.param("app")) throw unknownWebhook();
    if (Date.now() - stored.createdAt > INTERACTION_TOKEN_MS) throw invalidWebhookToken();
    return stored;
  };
  const webhookFields = (stored: StoredInteraction, content: string) => ({
    channelId: stored.channelId,
    guildId: stored.guildId,
    author: botUser,
    content,
    webhookId: stored.applicationId,
    applicationId: stored.applicationId,
    extra: { interaction_metadata: { id: stored.id, type: stored.type ?? 2, user: stored.user ?? botUser, authorizing_integration_owners: {} } } as Partial<APIMessage>,
  });
  const webhookMessage = (stored: StoredInteraction, content: string) => store.add(webhookFields(stored, content));
  const webhookShape = (stored: StoredInteraction, content: string) => store.build(webhookFields(stored, content));

  api.post("/interactions/:id/:token/callback", async (c) => {
    const stored = store.interaction(c.req.param("token"));
    if (!stored || stored.id !== c.req.param("id")) throw unknownWebhook();
    const body = (await readJson(c)) as { type?: number; data?: { content?: string } };
    if (body.type === 4 || body.type === 5) stored.original ??= webhookMessage(stored, body.data?.content ?? "");
    return c.body(null, 204);
  });

  api.get("/webhooks/:app/:token/messages/@original", (c) => {
    const stored = interactionFor(c);
    if (!stored.original) throw unknownMessage();
    return djson(c, stored.original);
  });

  api.patch("/webhooks/:app/:token/messages/@original", async (c) => {
    const stored = interactionFor(c);
    const body = messageBody(await readJson(c));
    // Registered interactions count as answered with a deferred response (type 5).
    stored.original ??= webhookMessage(stored, "");
    return djson(c, store.edit(stored.original, { content: body.content ?? "", ...(body.components ? { components: body.components } : {}) }));
  });

  api.post("/webhooks/:app/:token", async (c) => {
    const stored = interactionFor(c);
    const body = messageBody(await readJson(c));
    // Ephemeral: shown to the person who interacted only, so it never joins the channel's messages.
    if (body.flags !== undefined && (body.flags & EPHEMERAL) !== 0) {
      const message: APIMessage = { ...webhookShape(stored, body.content ?? ""), flags: EPHEMERAL };
      return djson(c, store.addEphemeral({ interactionId: stored.id, channelId: stored.channelId, ...(stored.user ? { userId: stored.user.id } : {}), message }));
    }
    const message = webhookMessage(stored, body.content ?? "");
    stored.followups.push(message.id);
    return djson(c, message);
  });

  api.patch("/webhooks/:app/:token/messages/:id", async (c) => {
    const stored = interactionFor(c);
    const message = store.find(stored.channelId, c.req.param("id"));
    if (!message) throw unknownMessage();
    const body = messageBody(await readJson(c));
    return djson(c, store.edit(message, { content: body.content ?? "", ...(body.components ? { components: body.components } : {}) }));
  });

  // ---- Application commands ------------------------------------------------------------------

  const commandsBody = async (c: Context) => {
    const body = await readJson(c);
    if (!Array.isArray(body)) throw invalidFormBody("_", "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType");
    for (const [i, command] of body.entries()) {
      const name = (command as { name?: unknown }).name;
      if (typeof name !== "string" || name.length < 1 || name.length > 32) throw invalidFormBody(`${i}.name`, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.");
    }
    return body;
  };
  const ownApp = (c: Context) => {
    if (c.req.param("app") !== options.applicationId) throw new DiscordError(403, "Missing Access", 50001);
  };
  api.put("/applications/:app/commands", async (c) => {
    ownApp(c);
    return djson(c, store.setCommands("global", options.applicationId, await commandsBody(c)));
  });
  api.get("/applications/:app/commands", (c) => (ownApp(c), djson(c, store.commands("global"))));
  api.put("/applications/:app/guilds/:guild/commands", async (c) => {
    ownApp(c);
    const guild = c.req.param("guild");
    return djson(c, store.setCommands(`guild:${guild}`, options.applicationId, await commandsBody(c), guild));
  });
  api.get("/applications/:app/guilds/:guild/commands", (c) => (ownApp(c), djson(c, store.commands(`guild:${c.req.param("guild")}`))));

  api.all("*", () => {
    throw notFound();
  });

  // ---- Control (not recorded) ----------------------------------------------------------------

  const control = new Hono();
  const body = async (c: Context) => (await c.req.json().catch(() => ({}))) as Record<string, unknown>;

  /** An interaction Discord created: its token becomes valid for webhook calls (15 minutes from created_at). */
  control.post("/interactions", async (c) => {
    const parsed = z
      .object({
        id: z.string(),
        token: z.string().min(1),
        application_id: z.string().default(options.applicationId),
        channel_id: z.string(),
        guild_id: z.string().optional(),
        created_at: z.number().optional(),
        type: z.number().int().optional(),
        user: z.object({ id: z.string(), username: z.string(), global_name: z.string().nullable().optional() }).optional(),
      })
      .safeParse(await body(c));
    if (!parsed.success) return c.json({ error: "invalid interaction", issues: parsed.error.issues }, 400);
    const i = parsed.data;
    store.registerInteraction({
      id: i.id,
      token: i.token,
      applicationId: i.application_id,
      channelId: i.channel_id,
      guildId: i.guild_id,
      createdAt: i.created_at ?? Date.now(),
      ...(i.type !== undefined ? { type: i.type } : {}),
      ...(i.user ? { user: i.user } : {}),
    });
    return c.json({ ok: true }, 201);
  });

  /** A person's message: stored in its channel and dispatched as MESSAGE_CREATE. */
  control.post("/messages", async (c) => {
    const parsed = z
      .object({
        channel_id: z.string().min(1),
        guild_id: z.string().optional(),
        channel_type: z.number().int().optional(),
        content: z.string(),
        author: z.object({ id: z.string(), username: z.string(), bot: z.boolean().optional(), global_name: z.string().nullable().optional() }).optional(),
        mentions: z.array(z.string()).optional(),
        mention_roles: z.array(z.string()).optional(),
        reply_to: z.string().optional(),
      })
      .safeParse(await body(c));
    if (!parsed.success) return c.json({ error: "invalid message", issues: parsed.error.issues }, 400);
    const m = parsed.data;
    // In a thread the emulator opened, the message is the thread's, with its server and type.
    const known = store.thread(m.channel_id) ? guildOf.get(m.channel_id) : undefined;
    const guildId = known?.guildId ?? m.guild_id;
    const channelType = known?.channelType ?? m.channel_type ?? (m.guild_id ? GUILD_TEXT : DM);
    guildOf.set(m.channel_id, { guildId, channelType });
    const author: APIUser = { discriminator: "0", avatar: null, global_name: null, ...m.author, ...(m.author ? {} : { id: "1033044521375764530", username: "testuser" }) } as APIUser;
    const reference = m.reply_to ? store.find(m.channel_id, m.reply_to) : undefined;
    const mentioned = (m.mentions ?? []).map((id) => (id === botUser.id ? botUser : ({ id, username: `user${id.slice(-4)}`, discriminator: "0", global_name: null, avatar: null } as APIUser)));
    const message = store.add({ channelId: m.channel_id, guildId, author, content: m.content, reference, extra: { mentions: mentioned, mention_roles: m.mention_roles ?? [] } });
    const dispatched = announce(message, guildId, channelType);
    return c.json({ message, ...dispatched }, 201);
  });

  /**
   * A person starts a thread in `channel_id` (of `guild_id`): from `message_id` (as "Create Thread" on a message),
   * or without one (Discord then posts a THREAD_CREATED notice in the channel). `announce: false`
   * keeps THREAD_CREATE off the Gateway, as for a thread the bot could not see being made.
   */
  control.post("/threads", async (c) => {
    const parsed = z
      .object({
        channel_id: z.string().min(1),
        /** The channel's server, for a channel the emulator has not seen a message in yet. */
        guild_id: z.string().optional(),
        message_id: z.string().optional(),
        name: z.string(),
        author: z.object({ id: z.string(), username: z.string(), global_name: z.string().nullable().optional() }).optional(),
        announce: z.boolean().optional(),
        private: z.boolean().optional(),
      })
      .safeParse(await body(c));
    if (!parsed.success) return c.json({ error: "invalid thread", issues: parsed.error.issues }, 400);
    const t = parsed.data;
    if (!guildOf.has(t.channel_id) && t.guild_id) guildOf.set(t.channel_id, { guildId: t.guild_id, channelType: GUILD_TEXT });
    const owner = { discriminator: "0", avatar: null, global_name: null, id: "1033044521375764530", username: "testuser", ...t.author } as APIUser;
    const starter = t.message_id === undefined ? undefined : store.find(t.channel_id, t.message_id);
    if (t.message_id !== undefined && !starter) return c.json({ error: "unknown message" }, 404);
    try {
      const thread = openThread(t.channel_id, threadBody({ name: t.name }), owner, starter, { announce: t.announce, private: t.private });
      if (!starter) {
        const where = guildOf.get(t.channel_id);
        const notice = store.add({ channelId: t.channel_id, guildId: where?.guildId, author: owner, content: t.name, extra: { type: 18, message_reference: { type: 0, channel_id: thread.id, ...(where?.guildId ? { guild_id: where.guildId } : {}) } } });
        announce(notice, where?.guildId, where?.channelType);
      }
      return c.json(thread, 201);
    } catch (error) {
      if (error instanceof DiscordError) return c.json(error.body, error.status);
      throw error;
    }
  });

  control.post("/gateway/dispatch", async (c) => {
    const { t, d } = await body(c);
    if (typeof t !== "string") return c.json({ error: "t (the event name) is required" }, 400);
    if (t === "MESSAGE_CREATE") {
      const message = d as GatewayMessageCreateDispatchData;
      if (message?.channel_id) guildOf.set(message.channel_id, { guildId: message.guild_id, channelType: (message as { channel_type?: number }).channel_type });
    }
    return c.json(gateway.dispatch(t, d));
  });
  control.post("/gateway/drop", async (c) => {
    const { code } = await body(c);
    return c.json({ dropped: gateway.drop(typeof code === "number" ? code : undefined) });
  });
  control.post("/gateway/reconnect", (c) => c.json({ sent: gateway.reconnect() }));
  control.post("/gateway/invalidate", async (c) => c.json({ sent: gateway.invalidate((await body(c)).resumable === true) }));
  control.post("/gateway/config", async (c) => {
    const parsed = z.object({ heartbeatIntervalMs: z.number().int().min(100).optional(), ackHeartbeats: z.boolean().optional(), acceptConnections: z.boolean().optional() }).safeParse(await body(c));
    if (!parsed.success) return c.json({ error: "invalid settings", issues: parsed.error.issues }, 400);
    return c.json(gateway.configure(parsed.data));
  });
  control.get("/gateway", (c) => c.json(gateway.snapshot()));

  return {
    platform: "discord",
    gateway,
    mount(parent) {
      parent.route(DISCORD_API_PREFIX, api);
      parent.route("/_emulator/discord", control);
    },
    snapshot: () => ({ ...store.snapshot(), gateway: gateway.snapshot() }),
    reset() {
      store.reset();
      guildOf.clear();
      gateway.reset();
    },
  };
}
