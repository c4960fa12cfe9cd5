// Emulated Slack Web API (the subset Switchboard uses), mounted at `/slack`:
// slack-web-api-client talks to it unchanged with `baseUrl: "<emulator>/slack/"`.
// Response URLs (`https://hooks.slack.com/commands/…`) are served under `/slack/hooks/…`.
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { SlackAPIClient } from "slack-web-api-client";
import { recorderMiddleware, type Core, type PlatformModule } from "./core.ts";
import {
  SlackError,
  flag,
  jsonArgument,
  optional,
  readParams,
  renderSlackFault,
  required,
  slackJson,
  type Params,
} from "./slack-http.ts";
import { createSlackInstalls, type SlackOAuthOptions, type SlackWorkspace } from "./slack-oauth.ts";
import { BOT_SCOPES } from "../../channels/slack/scopes.ts";

/** The response body slack-web-api-client types for a method, checked against what we answer. */
type Answer<Group extends "auth" | "chat" | "conversations" | "users", Method extends string> = Partial<
  Awaited<ReturnType<Extract<SlackAPIClient[Group][Method & keyof SlackAPIClient[Group]], (...args: never[]) => unknown>>>
>;

/** Dev-only identity of the emulated workspace and bot (`npm run dev`). They protect nothing. */
export const DEV_SLACK = {
  token: "xoxb-switchboard-dev-token",
  signingSecret: "switchboard-dev-slack-signing-secret",
  teamId: "T0SWITCHDEV",
  botUserId: "U0SWITCHDEV",
  botId: "B0SWITCHDEV",
  appId: "A0SWITCHDEV",
} as const;

/**
 * The dev app's OAuth credentials (dev only, they protect nothing): with them the Worker's
 * /oauth/slack/install runs Slack's real round trip against the emulator's consent page, so the
 * playground can install the app in a second workspace.
 */
export const DEV_SLACK_OAUTH = { clientId: "1300000000001.1300000000002", clientSecret: "switchboard-dev-slack-client-secret" } as const;

/** The dev workspace's people: the playground's own user is an admin, so its clicks approve; a visitor's do not. */
export const DEV_SLACK_PEOPLE = {
  U0PLAYGRND: { name: "you", is_admin: true },
  U0VISITOR1: { name: "visitor" },
} as const;

/**
 * The bot scopes Slack granted the dev app: those the app asks for (channels/slack/scopes.ts, the
 * manifest's). Slack reports a token's scopes in every Web API answer's `x-oauth-scopes` header.
 */
export const DEV_SLACK_SCOPES = BOT_SCOPES;

export interface SlackOptions {
  /** Bot tokens the emulator accepts (`Authorization: Bearer xoxb-…` or a `token` argument). */
  tokens: string[];
  teamId: string;
  /** Workspace subdomain, for `auth.test`'s url. Default "switchboard-dev". */
  teamDomain?: string;
  botUserId: string;
  botId?: string;
  appId?: string;
  /** The app's client id and secret: enables the install page and `oauth.v2.access` (slack-oauth.ts). */
  oauth?: SlackOAuthOptions;
  /** The workspace's people, for users.info: admins and owners may approve by default. */
  users?: Readonly<Record<string, { readonly name?: string; readonly is_admin?: boolean; readonly is_owner?: boolean }>>;
  /** User groups (S…) and their members, for usergroups.users.list. */
  usergroups?: Readonly<Record<string, readonly string[]>>;
  /** Scopes the tokens were granted (`x-oauth-scopes`). Default: DEV_SLACK_SCOPES. */
  scopes?: readonly string[];
}

interface StoredMessage {
  type: "message";
  ts: string;
  channel: string;
  thread_ts?: string;
  text: string;
  user: string;
  bot_id?: string;
  app_id?: string;
  team: string;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  blocks?: unknown;
  edited?: { user: string; ts: string };
  reply_count?: number;
  /** A message opened by chat.startStream: it grows until chat.stopStream. */
  streaming?: boolean;
  /** The latest state of each task a stream showed (task_update chunks), in order of first appearance. */
  tasks?: { id: string; title: string; status: string; output?: string }[];
  /** How many times the stream grew, so a test sees it grew rather than arrived whole. */
  appends?: number;
}

const CHANNEL_ID = /^[CDG][A-Z0-9]{2,}$/;
const TS = /^\d{10}\.\d{6}$/;
const MAX_TEXT = 40_000;

const seedSchema = z.object({
  channel: z.string().regex(CHANNEL_ID),
  user: z.string().min(1),
  text: z.string(),
  thread_ts: z.string().regex(TS).optional(),
  /** The workspace the message is written in; default the emulator's own. */
  team: z.string().regex(/^T[A-Z0-9]{2,}$/).optional(),
});

export function createSlackPlatform(core: Core, options: SlackOptions): PlatformModule {
  const team = options.teamId;
  const botId = options.botId ?? "B0SWITCHBRD";
  const appId = options.appId ?? "A0SWITCHBRD";
  const home: SlackWorkspace = { teamId: team, name: options.teamDomain ?? "switchboard-dev", botUserId: options.botUserId, botId, tokens: new Set(options.tokens), revoked: new Set() };
  const installs = createSlackInstalls(core, home, options.oauth, appId);
  /**
   * The workspace whose token the method being run was called with: set just before a method runs,
   * which is synchronous, so no other request can interleave.
   */
  let caller = home;
  let channels = new Map<string, StoredMessage[]>();
  let reactions = new Map<string, Set<string>>();
  let statuses = new Map<string, string>();
  let ephemerals: { channel: string; user: string; text: string; message_ts: string }[] = [];
  let responses: { path: string; body: unknown }[] = [];
  let lastMicros = 0;

  /** "1700000000.000100"-style, strictly increasing, near the emulator's clock. */
  const nextTs = () => {
    lastMicros = Math.max(lastMicros + 100, core.now().getTime() * 1000);
    return `${Math.floor(lastMicros / 1e6)}.${String(lastMicros % 1e6).padStart(6, "0")}`;
  };
  const messagesIn = (channel: string) => {
    let list = channels.get(channel);
    if (!list) channels.set(channel, (list = []));
    return list;
  };
  const find = (channel: string, ts: string) => channels.get(channel)?.find((m) => m.ts === ts);
  const channelArg = (params: Params, name = "channel") => {
    const id = required(params, name, "channel_not_found");
    if (!CHANNEL_ID.test(id)) throw new SlackError("channel_not_found");
    return id;
  };
  /** The message as Slack's API shows it: the emulator's own bookkeeping stays out. */
  const shape = (m: StoredMessage, withMetadata: boolean) => {
    const { metadata, streaming: _streaming, tasks: _tasks, appends: _appends, ...rest } = m;
    return withMetadata && metadata ? { ...rest, metadata } : rest;
  };

  const postMessage = (params: Params): StoredMessage => {
    const channel = channelArg(params);
    const text = optional(params, "text") ?? "";
    const blocks = jsonArgument(params, "blocks", "invalid_blocks");
    if (text === "" && blocks === undefined) throw new SlackError("no_text");
    if (text.length > MAX_TEXT) throw new SlackError("msg_too_long");
    const metadata = jsonArgument(params, "metadata", "invalid_metadata_format");
    if (metadata !== undefined && !validMetadata(metadata)) throw new SlackError("invalid_metadata_format");
    const threadTs = optional(params, "thread_ts");
    if (threadTs !== undefined && !TS.test(threadTs)) throw new SlackError("invalid_thread_ts");
    const message: StoredMessage = {
      type: "message",
      ts: nextTs(),
      channel,
      text,
      user: caller.botUserId,
      bot_id: caller.botId,
      app_id: appId,
      team: caller.teamId,
      ...(threadTs ? { thread_ts: threadTs } : {}),
      ...(metadata ? { metadata: metadata as StoredMessage["metadata"] } : {}),
      ...(blocks !== undefined ? { blocks } : {}),
    };
    messagesIn(channel).push(message);
    const parent = threadTs ? find(channel, threadTs) : undefined;
    if (parent) parent.reply_count = (parent.reply_count ?? 0) + 1;
    return message;
  };

  /** The open stream a method names; a closed one refuses more, as Slack's does. */
  const streamOf = (params: Params): StoredMessage => {
    const message = find(channelArg(params), required(params, "ts", "message_not_found"));
    if (!message) throw new SlackError("message_not_found");
    if (!message.streaming) throw new SlackError("message_not_in_streaming_state");
    if (message.user !== caller.botUserId) throw new SlackError("cant_update_message");
    return message;
  };
  /** Adds a stream call's markdown and chunks to the message. */
  const grow = (message: StoredMessage, params: Params) => {
    const markdown = optional(params, "markdown_text");
    if (markdown !== undefined) message.text += markdown;
    const chunks = jsonArgument(params, "chunks", "invalid_chunks");
    if (chunks === undefined) return;
    if (!Array.isArray(chunks)) throw new SlackError("invalid_chunks");
    for (const chunk of chunks as { type?: string; text?: string; id?: string; title?: string; status?: string; output?: string }[]) {
      if (chunk.type === "markdown_text" && typeof chunk.text === "string") message.text += chunk.text;
      else if (chunk.type === "task_update" && chunk.id && chunk.title && chunk.status) {
        const tasks = (message.tasks ??= []);
        const task = { id: chunk.id, title: chunk.title, status: chunk.status, ...(chunk.output ? { output: chunk.output } : {}) };
        const at = tasks.findIndex((known) => known.id === chunk.id);
        if (at === -1) tasks.push(task);
        else tasks[at] = task;
      } else if (chunk.type !== "plan_update" && chunk.type !== "blocks") throw new SlackError("invalid_chunks");
    }
    if (message.text.length > MAX_TEXT) throw new SlackError("msg_too_long");
  };

  const methods: Record<string, (params: Params) => Params> = {
    "auth.test": () =>
      ({
        url: `https://${options.teamDomain ?? "switchboard-dev"}.slack.com/`,
        team: options.teamDomain ?? "switchboard-dev",
        user: "switchboard",
        team_id: caller.teamId,
        user_id: caller.botUserId,
        bot_id: caller.botId,
        is_enterprise_install: false,
      }) satisfies Answer<"auth", "test">,
    "chat.postMessage": (params) => {
      const message = postMessage(params);
      // Blocks are echoed as the bot sent them (the client typed them on the way out).
      const echoed = shape(message, true) as NonNullable<Answer<"chat", "postMessage">["message"]>;
      return { channel: message.channel, ts: message.ts, message: echoed } satisfies Answer<"chat", "postMessage">;
    },
    "chat.update": (params) => {
      const channel = channelArg(params);
      const message = find(channel, required(params, "ts", "message_not_found"));
      if (!message) throw new SlackError("message_not_found");
      if (message.user !== caller.botUserId) throw new SlackError("cant_update_message");
      const text = optional(params, "text");
      if (text !== undefined) message.text = text;
      const blocks = jsonArgument(params, "blocks", "invalid_blocks");
      if (blocks !== undefined) message.blocks = blocks;
      const metadata = jsonArgument(params, "metadata", "invalid_metadata_format");
      if (metadata !== undefined && !validMetadata(metadata)) throw new SlackError("invalid_metadata_format");
      if (metadata !== undefined) message.metadata = metadata as StoredMessage["metadata"];
      message.edited = { user: caller.botUserId, ts: nextTs() };
      return { channel, ts: message.ts, text: message.text, message: shape(message, true) };
    },
    // Streaming messages: opened in a thread, grown with markdown and task updates, closed once.
    "chat.startStream": (params) => {
      const channel = channelArg(params);
      const threadTs = required(params, "thread_ts", "invalid_thread_ts");
      if (!TS.test(threadTs)) throw new SlackError("invalid_thread_ts");
      const message: StoredMessage = {
        type: "message",
        ts: nextTs(),
        channel,
        thread_ts: threadTs,
        text: "",
        user: caller.botUserId,
        bot_id: caller.botId,
        app_id: appId,
        team: caller.teamId,
        streaming: true,
        appends: 0,
      };
      grow(message, params);
      messagesIn(channel).push(message);
      const parent = find(channel, threadTs);
      if (parent) parent.reply_count = (parent.reply_count ?? 0) + 1;
      return { channel, ts: message.ts };
    },
    "chat.appendStream": (params) => {
      const message = streamOf(params);
      grow(message, params);
      message.appends = (message.appends ?? 0) + 1;
      return { channel: message.channel, ts: message.ts };
    },
    "chat.stopStream": (params) => {
      const message = streamOf(params);
      grow(message, params);
      const blocks = jsonArgument(params, "blocks", "invalid_blocks");
      if (blocks !== undefined) message.blocks = blocks;
      const metadata = jsonArgument(params, "metadata", "invalid_metadata_format");
      if (metadata !== undefined && !validMetadata(metadata)) throw new SlackError("invalid_metadata_format");
      if (metadata !== undefined) message.metadata = metadata as StoredMessage["metadata"];
      message.streaming = false;
      return { channel: message.channel, ts: message.ts, message: shape(message, true) };
    },
    // Users' messages reach the Worker, not the emulator, so any well-formed ts gets its link.
    "chat.getPermalink": (params) => {
      const channel = channelArg(params);
      const ts = required(params, "message_ts", "message_not_found");
      if (!TS.test(ts)) throw new SlackError("message_not_found");
      const thread = find(channel, ts)?.thread_ts;
      const query = thread && thread !== ts ? `?thread_ts=${thread}&cid=${channel}` : "";
      return { channel, permalink: `https://${options.teamDomain ?? "switchboard-dev"}.slack.com/archives/${channel}/p${ts.replace(".", "")}${query}` } satisfies Answer<"chat", "getPermalink">;
    },
    "chat.postEphemeral": (params) => {
      const channel = channelArg(params);
      const user = required(params, "user", "user_not_in_channel");
      const text = optional(params, "text") ?? "";
      if (text === "" && params.blocks === undefined) throw new SlackError("no_text");
      const message_ts = nextTs();
      ephemerals.push({ channel, user, text, message_ts });
      return { message_ts };
    },
    "users.info": (params) => {
      const id = required(params, "user", "user_not_found");
      const person = options.users?.[id];
      if (!person && id !== options.botUserId) throw new SlackError("user_not_found");
      return {
        user: {
          id,
          team_id: team,
          name: person?.name ?? id.toLowerCase(),
          is_admin: person?.is_admin ?? false,
          is_owner: person?.is_owner ?? false,
          is_bot: id === options.botUserId,
          deleted: false,
        },
      } satisfies Answer<"users", "info">;
    },
    "usergroups.users.list": (params) => {
      const members = options.usergroups?.[required(params, "usergroup", "no_such_subteam")];
      if (!members) throw new SlackError("no_such_subteam");
      return { users: [...members] };
    },
    "reactions.add": (params) => {
      const key = `${channelArg(params)}:${required(params, "timestamp", "no_item_specified")}`;
      const name = required(params, "name", "invalid_name");
      const set = reactions.get(key) ?? new Set<string>();
      if (set.has(name)) throw new SlackError("already_reacted");
      reactions.set(key, set.add(name));
      return {};
    },
    "reactions.remove": (params) => {
      const key = `${channelArg(params)}:${required(params, "timestamp", "no_item_specified")}`;
      const set = reactions.get(key);
      if (!set?.delete(required(params, "name", "invalid_name"))) throw new SlackError("no_reaction");
      return {};
    },
    "conversations.replies": (params) => {
      const channel = channelArg(params);
      const ts = required(params, "ts", "thread_not_found");
      const thread = (channels.get(channel) ?? []).filter((m) => m.ts === ts || m.thread_ts === ts);
      // Users' messages reach the Worker, not the emulator: a thread is known once the bot
      // (or a seed) wrote in it.
      if (thread.length === 0) throw new SlackError("thread_not_found");
      const limit = Math.min(Math.max(Number(params.limit) || 1000, 1), 1000);
      const offset = Number(Buffer.from(optional(params, "cursor") ?? "", "base64").toString().replace(/^offset:/, "")) || 0;
      const page = thread.slice(offset, offset + limit);
      const more = offset + limit < thread.length;
      const metadata = flag(params, "include_all_metadata");
      return {
        messages: page.map((m) => shape(m, metadata) as NonNullable<Answer<"conversations", "replies">["messages"]>[number]),
        has_more: more,
        response_metadata: { next_cursor: more ? Buffer.from(`offset:${offset + limit}`).toString("base64") : "" },
      } satisfies Answer<"conversations", "replies">;
    },
    "assistant.threads.setStatus": (params) => {
      const channel = channelArg(params, "channel_id");
      const threadTs = required(params, "thread_ts", "invalid_arguments");
      const status = typeof params.status === "string" ? params.status : undefined;
      if (status === undefined) throw new SlackError("invalid_arguments");
      if (status === "") statuses.delete(`${channel}:${threadTs}`);
      else statuses.set(`${channel}:${threadTs}`, status);
      return {};
    },
  };

  const slack = new Hono();
  slack.onError((err, c) =>
    err instanceof SlackError
      ? slackJson(c, { ok: false, error: err.code }, err.status)
      : slackJson(c, { ok: false, error: "internal_error", detail: String(err) }, 200),
  );
  slack.use(recorderMiddleware(core, "slack", "/slack", (fault) => renderSlackFault(fault)));

  // Response URLs authenticate by their own secret path, not a token.
  slack.post("/hooks/:kind{commands|actions}/:team/:id/:secret", async (c) => {
    const text = await c.req.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return c.text("invalid_payload", 400);
    }
    responses.push({ path: new URL(c.req.url).pathname.replace(/^\/slack/, ""), body });
    return slackJson(c, { ok: true });
  });

  // Method names may hold digits: oauth.v2.access.
  slack.on(["GET", "POST"], "/:method{[a-zA-Z]+(\\.[a-zA-Z0-9]+)+}", async (c: Context) => {
    const { params, json } = await readParams(c);
    const header = c.req.header("authorization");
    const bearer = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    // Slack takes a `token` argument in form posts and query strings, never in JSON bodies.
    const token = bearer ?? (json ? undefined : optional(params, "token"));
    // oauth.v2.access authenticates with the app's client credentials, not a token.
    if (c.req.param("method") === "oauth.v2.access") return slackJson(c, { ok: true, ...installs.access(params, header) });
    if (!token) throw new SlackError("not_authed");
    const workspace = installs.caller(token);
    if (!workspace) throw new SlackError("invalid_auth");
    caller = workspace;
    c.header("x-oauth-scopes", (options.scopes ?? DEV_SLACK_SCOPES).join(","));
    const method = methods[c.req.param("method") ?? ""];
    if (!method) return slackJson(c, { ok: false, error: "unknown_method", req_method: c.req.param("method") }, 404);
    return slackJson(c, { ok: true, ...method(params) });
  });

  slack.all("*", (c) => slackJson(c, { ok: false, error: "unknown_method" }, 404));

  // ---- Control routes (under /_emulator/slack, no auth, not recorded) ----------------------

  const control = new Hono();
  // A user's message, so conversations.replies and the playground see the whole thread.
  control.post("/messages", async (c) => {
    const parsed = seedSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: "invalid seed", issues: parsed.error.issues }, 400);
    const { channel, user, text, thread_ts } = parsed.data;
    const message: StoredMessage = { type: "message", ts: nextTs(), channel, user, text, team: parsed.data.team ?? team, ...(thread_ts ? { thread_ts } : {}) };
    messagesIn(channel).push(message);
    return c.json(message, 201);
  });

  return {
    platform: "slack",
    mount(parent) {
      parent.route("/slack/oauth", installs.pages);
      parent.route("/slack", slack);
      parent.route("/_emulator/slack", installs.control);
      parent.route("/_emulator/slack", control);
    },
    snapshot: (origin) => ({
      apiUrl: `${origin}/slack/`,
      team: { id: team, domain: options.teamDomain ?? "switchboard-dev" },
      bot: { userId: options.botUserId, botId, appId },
      workspaces: installs.snapshot(),
      // The playground and the tests also see what a stream showed on the way.
      channels: Object.fromEntries([...channels].map(([id, list]) => [id, list.map((m) => ({ ...m }))])),
      reactions: Object.fromEntries([...reactions].filter(([, set]) => set.size > 0).map(([key, set]) => [key, [...set]])),
      statuses: Object.fromEntries(statuses),
      ephemerals,
      responses,
    }),
    reset() {
      channels = new Map();
      reactions = new Map();
      statuses = new Map();
      ephemerals = [];
      responses = [];
    },
  };
}

function validMetadata(value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  const { event_type, event_payload } = value as { event_type?: unknown; event_payload?: unknown };
  return typeof event_type === "string" && event_type !== "" && event_payload !== null && typeof event_payload === "object";
}
