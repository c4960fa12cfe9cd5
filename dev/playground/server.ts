// The dev playground: a page where you act as a platform's user. It builds each event as the
// platform would (GitHub's own payload shapes, real signatures with the dev secrets), posts it
// to the Worker, and shows the bot's answers as the emulator records them, beside a live view
// of the conversation's Durable Object.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { z } from "zod";
import { githubExample } from "../github-examples.ts";
import { inRepository, signedDelivery } from "../github-events.ts";
import { eventCallback, signSlack } from "../slack-events.ts";
import { countPatchLines } from "../emulator/github-state.ts";
import { parseGitDiff } from "./diff.ts";
import { DEV_DISCORD } from "../emulator/discord.ts";
import { DEV_LINEAR } from "../emulator/linear.ts";
import { HUMAN, linearEvents, signLinear, type SeededIssue, type SeededTeam } from "../linear-events.ts";
import { DEV_DISCORD_PEOPLE, importSeed, signInteraction, triageCommand } from "../discord-events.ts";
import { recordDelivery } from "../deliveries.ts";
import { ensureLinearTeam, ensureLinearTeamSoon, ticketRoutes } from "./tickets.ts";
import { slackWorkspace } from "./workspaces.ts";

const here = dirname(fileURLToPath(import.meta.url));
const asset = (name: string) => readFileSync(join(here, name), "utf8");

export interface PlaygroundOptions {
  readonly workerUrl: string;
  readonly emulatorUrl: string;
  readonly vars: Readonly<Record<string, string>>;
}

const Person = { login: z.string().min(1).max(39).default("octocat") };
const GitHubAction = z.discriminatedUnion("action", [
  z.object({ action: z.literal("issue"), owner: z.string(), repo: z.string(), title: z.string().min(1), body: z.string(), ...Person }),
  z.object({ action: z.literal("comment"), owner: z.string(), repo: z.string(), number: z.number().int().positive(), body: z.string().min(1), ...Person }),
  z.object({
    action: z.literal("pull_request"),
    owner: z.string(),
    repo: z.string(),
    title: z.string().min(1),
    body: z.string(),
    /** `git diff` output: the files, their patches and statuses. */
    diff: z.string().refine((text) => parseGitDiff(text).length > 0, "the diff names no file (expected `diff --git a/… b/…` headers)"),
    ...Person,
  }),
]);
type GitHubAction = z.infer<typeof GitHubAction>;

const DiscordAction = z.object({
  kind: z.enum(["mention", "command"]),
  channelId: z.string().regex(/^\d{5,20}$/),
  /** A thread of that channel (the emulator's): the message is written, or the command run, there. */
  threadId: z.string().regex(/^\d{5,20}$/).optional(),
  text: z.string().min(1).max(2000),
  /** Who writes the mention (DEV_DISCORD_PEOPLE): it decides who the report is from. */
  person: z.enum(["you", "visitor"]).default("you"),
});

const LinearAction = z.object({
  action: z.enum(["assign", "delegate"]),
  title: z.string().min(1).max(255),
  description: z.string().max(20_000),
});

const SlackAction = z.object({
  channel: z.string().regex(/^[CDG][A-Z0-9]{2,}$/),
  text: z.string().min(1).max(4000),
  threadTs: z.string().optional(),
  user: z.string().default("U0PLAYGRND"),
  /** The workspace (team id): the dev one by default, or one installed through /oauth/slack/install. */
  team: z.string().regex(/^T[A-Z0-9]{2,}$/).optional(),
});

export function createPlayground(options: PlaygroundOptions): Hono {
  const app = new Hono();
  const page = () => asset("index.html");

  /** Posts a signed delivery to the Worker, and keeps a copy in the emulator for `switchboard replay`. */
  async function deliver(platform: string, path: string, headers: Record<string, string>, body: string): Promise<Response> {
    const response = await fetch(`${options.workerUrl}${path}`, { method: "POST", headers, body });
    await recordDelivery(options.emulatorUrl, { platform, path, headers, body, status: response.status });
    return response;
  }
  app.get("/", (c) => c.html(page()));
  app.get("/favicon.ico", (c) => c.body(null, 204));
  app.get("/playground/app.js", (c) => c.body(asset("app.js"), 200, { "content-type": "text/javascript; charset=utf-8" }));
  app.get("/playground/style.css", (c) => c.body(asset("style.css"), 200, { "content-type": "text/css; charset=utf-8" }));

  app.get("/playground/config", async (c) => {
    const health = (await (await fetch(`${options.workerUrl}/health`)).json()) as { enabled: string[]; bot: string };
    // Whether the Worker can install the Slack app in more workspaces (SLACK_CLIENT_ID is set).
    const slackInstalls = Boolean(options.vars.SLACK_CLIENT_ID);
    return c.json({ workerUrl: options.workerUrl, bot: health.bot, enabled: health.enabled, slackInstalls });
  });

  app.post("/playground/send/github", async (c) => {
    const parsed = GitHubAction.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) return c.json({ error: parsed.error.issues.map((i) => i.message).join("; ") }, 400);
    const { event, payload, number } = await githubEvent(parsed.data, options.emulatorUrl);
    const delivery = await signedDelivery(event, payload, options.vars.GITHUB_WEBHOOK_SECRET ?? "");
    const response = await deliver("github", "/webhooks/github", delivery.headers, delivery.body);
    return c.json({ number, status: response.status, response: await response.json() });
  });

  app.post("/playground/send/slack", async (c) => {
    const parsed = SlackAction.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) return c.json({ error: parsed.error.issues.map((i) => i.message).join("; ") }, 400);
    const { channel, text, threadTs, user } = parsed.data;
    const workspace = await slackWorkspace(options, parsed.data.team);
    if (!workspace) return c.json({ error: `the app is not installed in ${parsed.data.team}` }, 404);
    const botUserId = workspace.botUserId;
    const dm = channel.startsWith("D");
    // In a channel the person @-mentions the bot; in a DM they just write.
    const said = dm || text.includes(`<@${botUserId}>`) ? text : `<@${botUserId}> ${text}`;
    const message = await post<{ ts: string }>(options.emulatorUrl, "/_emulator/slack/messages", {
      channel,
      user,
      team: workspace.teamId,
      text: said,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
    const event = {
      type: dm ? "message" : "app_mention",
      ...(dm ? { channel_type: "im" } : {}),
      user,
      text: said,
      ts: message.ts,
      channel,
      client_msg_id: crypto.randomUUID(),
      ...(threadTs ? { thread_ts: threadTs } : {}),
    };
    const body = JSON.stringify(eventCallback(workspace, event));
    const response = await deliver("slack", "/webhooks/slack/events", { "content-type": "application/json", ...(await signSlack(body, options.vars.SLACK_SIGNING_SECRET ?? "")) }, body);
    return c.json({ ts: message.ts, status: response.status, response: await response.json().catch(() => null) });
  });

  let gatewayStarted = false;
  app.post("/playground/send/discord", async (c) => {
    const parsed = DiscordAction.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) return c.json({ error: parsed.error.issues.map((i) => i.message).join("; ") }, 400);
    const { kind, channelId, threadId, text, person } = parsed.data;
    const applicationId = options.vars.DISCORD_APPLICATION_ID ?? DEV_DISCORD.applicationId;
    const guildId = DEV_DISCORD.guildId;
    if (threadId) {
      const threads = (await (await fetch(`${options.emulatorUrl}/_emulator/state/discord`)).json()) as { threads?: { id: string; parent_id: string }[] };
      if (!threads.threads?.some((thread) => thread.id === threadId && thread.parent_id === channelId)) return c.json({ error: `no thread ${threadId} in channel ${channelId}` }, 404);
    }
    // A thread's conversation is named under its channel (channels/discord/README.md).
    const threadKey = (thread: string) => `discord:${guildId}:${channelId}:${thread}`;
    if (kind === "mention") {
      // @-mentions arrive over the Gateway, which the Worker's Durable Object holds open.
      if (!gatewayStarted) {
        const headers = { authorization: `Bearer ${options.vars.ADMIN_TOKEN ?? ""}` };
        await fetch(`${options.workerUrl}/operator/discord/gateway/start`, { method: "POST", headers });
        // A message sent before READY would reach no session: wait for the connection.
        for (let tries = 0; tries < 100; tries++) {
          const status = (await (await fetch(`${options.workerUrl}/operator/discord/gateway/status`, { headers })).json()) as { connected?: boolean };
          if (status.connected) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        gatewayStarted = true;
      }
      const botUserId = options.vars.DISCORD_BOT_USER_ID ?? applicationId;
      const author = DEV_DISCORD_PEOPLE[person].user;
      // In a channel the person @-mentions the bot, which answers in a thread started from the
      // message (its id is the thread's); in a thread the bot takes part in, they just write.
      const sent = await post<{ message: { id: string } }>(options.emulatorUrl, "/_emulator/discord/messages", {
        channel_id: threadId ?? channelId,
        guild_id: guildId,
        content: threadId ? text : `<@${botUserId}> ${text}`,
        author: { id: author.id, username: author.username, global_name: author.global_name },
        mentions: threadId ? [] : [botUserId],
      });
      return c.json({ status: 200, messageId: sent.message.id, response: { conversationKey: threadKey(threadId ?? sent.message.id) } });
    }
    // A command answers through its interaction: in the thread's conversation when run in one, else the channel's.
    const where = threadId ? { channelId: threadId, parentId: channelId } : { channelId };
    const { payload, id, token } = triageCommand({ applicationId, guildId, ...where, text });
    await post(options.emulatorUrl, "/_emulator/discord/interactions", { id, token, application_id: applicationId, channel_id: where.channelId, guild_id: guildId });
    const body = JSON.stringify(payload);
    const response = await deliver("discord", "/webhooks/discord/interactions", await signInteraction(body, await importSeed(DEV_DISCORD.keySeed)), body);
    const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    return c.json({ status: response.status, response: { ...answer, conversationKey: threadId ? threadKey(threadId) : `discord:${guildId}:${channelId}` } });
  });

  let linearTeam: Promise<SeededTeam> | undefined;
  app.post("/playground/send/linear", async (c) => {
    const parsed = LinearAction.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) return c.json({ error: parsed.error.issues.map((i) => i.message).join("; ") }, 400);
    const { action, title, description } = parsed.data;
    const workspace = { organizationId: DEV_LINEAR.organizationId, botUserId: options.vars.LINEAR_BOT_USER_ID ?? DEV_LINEAR.botUserId };
    const events = linearEvents(workspace);
    linearTeam ??= ensureLinearTeam(options.emulatorUrl);
    const team = await linearTeam;
    const issue = await post<SeededIssue>(options.emulatorUrl, "/_emulator/linear/issues", { teamId: team.id, title, description, creatorId: HUMAN.id });
    let payload: unknown;
    if (action === "assign") {
      payload = events.issueWebhook(issue, { action: "update", assigneeId: workspace.botUserId, updatedFrom: { assigneeId: null } });
    } else {
      const session = await post<{ id: string }>(options.emulatorUrl, "/_emulator/linear/sessions", { issueId: issue.id, creatorId: HUMAN.id });
      payload = events.sessionCreatedWebhook(issue, session.id);
    }
    const body = JSON.stringify(payload);
    const response = await deliver("linear", "/webhooks/linear", await signLinear(body, options.vars.LINEAR_WEBHOOK_SECRET ?? ""), body);
    return c.json({ issueId: issue.id, status: response.status, response: await response.json().catch(() => null) });
  });

  app.route("/", ticketRoutes(options));
  // Chat reports file into Linear's ENG team (TICKET_TRACKERS): it exists before the first one.
  linearTeam ??= ensureLinearTeamSoon(options.emulatorUrl);
  linearTeam.catch(() => (linearTeam = undefined));

  return app;
}

/** Seeds the emulator with the issue or pull request, then builds GitHub's webhook payload. */
async function githubEvent(input: GitHubAction, emulatorUrl: string) {
  const sender = { login: input.login, id: 1000 + input.login.length, type: "User" };
  if (input.action === "comment") {
    const payload = inRepository(githubExample("issue_comment", "created"), input.owner, input.repo);
    const issue = await seededIssue(emulatorUrl, input.owner, input.repo, input.number);
    const comment = await post<{ id: number; html_url: string; created_at: string }>(emulatorUrl, "/_emulator/github/comments", {
      owner: input.owner,
      repo: input.repo,
      number: input.number,
      body: input.body,
      user: input.login,
    });
    Object.assign(payload.issue as object, {
      number: input.number,
      title: issue?.title ?? "",
      body: issue?.body ?? "",
      labels: issue?.labels ?? [],
      // GitHub marks a comment's issue as a pull request this way.
      pull_request: issue?.pull_request,
    });
    Object.assign(payload.comment as object, {
      id: comment.id,
      html_url: comment.html_url,
      created_at: comment.created_at,
      body: input.body,
      user: { ...(payload.comment as { user: object }).user, ...sender },
    });
    Object.assign(payload.sender as object, sender);
    return { event: "issue_comment", payload, number: input.number };
  }
  const isPull = input.action === "pull_request";
  const files = isPull ? parseGitDiff(input.diff) : [];
  const seeded = await post<{ number: number }>(emulatorUrl, "/_emulator/github/issues", {
    owner: input.owner,
    repo: input.repo,
    title: input.title,
    body: input.body,
    user: input.login,
    ...(isPull ? { pull_request: { files } } : {}),
  });
  const payload = inRepository(githubExample(isPull ? "pull_request" : "issues", "opened"), input.owner, input.repo);
  const fields = {
    number: seeded.number,
    title: input.title,
    body: input.body,
    labels: [],
    html_url: `https://github.com/${input.owner}/${input.repo}/${isPull ? "pull" : "issues"}/${seeded.number}`,
  };
  if (isPull) {
    const counts = files.map((file) => countPatchLines(file.patch ?? ""));
    const additions = counts.reduce((sum, count) => sum + count.additions, 0);
    const deletions = counts.reduce((sum, count) => sum + count.deletions, 0);
    Object.assign(payload.pull_request as object, { ...fields, draft: false, additions, deletions, changed_files: files.length });
  } else {
    Object.assign(payload.issue as object, fields);
  }
  Object.assign(payload.sender as object, sender);
  return { event: isPull ? "pull_request" : "issues", payload, number: seeded.number };
}

async function post<T>(emulatorUrl: string, path: string, body: Record<string, unknown>): Promise<T> {
  const response = await fetch(`${emulatorUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`emulator refused ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function seededIssue(emulatorUrl: string, owner: string, repo: string, number: number) {
  const state = (await (await fetch(`${emulatorUrl}/_emulator/state/github`)).json()) as {
    repos?: {
      owner: string;
      name: string;
      issues?: { number: number; title: string; body: string | null; labels: { name: string }[]; pull_request?: unknown }[];
    }[];
  };
  return state.repos?.find((r) => r.owner === owner && r.name === repo)?.issues?.find((i) => i.number === number);
}
