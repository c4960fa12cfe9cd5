// The playground's side of chat → ticket: pressing the bot's approval buttons in the Slack and
// Discord views (as an allowed or a not-allowed person), and closing a ticket in the GitHub or
// Linear view.
// Each builds the delivery as the platform sends it, signs it with the dev secret and posts it.
import { Hono } from "hono";
import { z } from "zod";
import { recordDelivery } from "../deliveries.ts";
import { buttonPress, DEV_DISCORD_PEOPLE, importSeed, signInteraction } from "../discord-events.ts";
import { DEV_DISCORD } from "../emulator/discord.ts";
import { DEV_LINEAR } from "../emulator/linear.ts";
import { githubExample } from "../github-examples.ts";
import { inRepository, signedDelivery } from "../github-events.ts";
import { linearEvents, signLinear, type SeededTeam } from "../linear-events.ts";
import { blockActions, signSlack } from "../slack-events.ts";
import type { PlaygroundOptions } from "./server.ts";
import { slackWorkspace } from "./workspaces.ts";

const Press = z.object({
  channel: z.string().regex(/^[CDG][A-Z0-9]{2,}$/),
  messageTs: z.string().min(1),
  threadTs: z.string().optional(),
  actionId: z.string().min(1).max(255),
  value: z.string().max(2000),
  label: z.string().max(75),
  /** Who presses: the playground's admin (U0PLAYGRND) or a visitor (U0VISITOR1), see DEV_SLACK_PEOPLE. */
  user: z.object({ id: z.string().regex(/^U[A-Z0-9]+$/), name: z.string().min(1).max(80) }),
  /** The workspace the message is in: the dev one by default. */
  team: z.string().regex(/^T[A-Z0-9]{2,}$/).optional(),
});

const DiscordPress = z.object({
  /** The channel or thread the message with the button is in. */
  channelId: z.string().regex(/^\d{5,20}$/),
  messageId: z.string().regex(/^\d{5,20}$/),
  customId: z.string().min(1).max(100),
  /** Who presses (DEV_DISCORD_PEOPLE): you manage the server, so you may approve; a visitor may not. */
  person: z.enum(["you", "visitor"]),
});

/** A Discord channel message as the emulator's state holds it: what a press carries of it. */
interface DiscordMessage {
  id: string;
  content: string;
  author: { id: string; username: string };
  components?: { components?: { custom_id?: string }[] }[];
}

const CloseGitHub = z.object({ owner: z.string().min(1), repo: z.string().min(1), number: z.number().int().positive(), login: z.string().min(1).max(39).default("maria") });
const MoveLinear = z.object({ issueId: z.string().min(1), state: z.string().min(1).max(100) });

/** The Linear team the playground's issues and tickets live in, created once (the mapping names ENG). */
export function ensureLinearTeam(emulatorUrl: string): Promise<SeededTeam> {
  return (async () => {
    const state = (await (await fetch(`${emulatorUrl}/_emulator/state/linear`)).json()) as { teams?: SeededTeam[] };
    const existing = state.teams?.find((team) => team.key === "ENG");
    if (existing) return existing;
    return json<SeededTeam>(await control(emulatorUrl, "/_emulator/linear/teams", { key: "ENG", name: "Engineering" }));
  })();
}

/**
 * The same, as soon as the emulator answers: the playground is made before the emulator that
 * serves it starts, and a chat report may be filed into ENG before anyone opens the Linear view.
 */
export async function ensureLinearTeamSoon(emulatorUrl: string, tries = 120): Promise<SeededTeam> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ensureLinearTeam(emulatorUrl);
    } catch (error) {
      if (attempt >= tries) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

export function ticketRoutes(options: PlaygroundOptions): Hono {
  const app = new Hono();
  const deliver = async (platform: string, path: string, headers: Record<string, string>, body: string) => {
    const response = await fetch(`${options.workerUrl}${path}`, { method: "POST", headers, body });
    await recordDelivery(options.emulatorUrl, { platform, path, headers, body, status: response.status });
    return { status: response.status, response: await response.json().catch(() => null) };
  };

  // A button on one of the bot's Slack messages, pressed by `user`.
  app.post("/playground/slack/press", async (c) => {
    const parsed = Press.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) return c.json({ error: parsed.error.issues.map((i) => i.message).join("; ") }, 400);
    const press = parsed.data;
    const workspace = await slackWorkspace(options, press.team);
    if (!workspace) return c.json({ error: `the app is not installed in ${press.team}` }, 404);
    const payload = blockActions(
      workspace,
      { user: press.user, channel: press.channel, message: { ts: press.messageTs, ...(press.threadTs ? { thread_ts: press.threadTs } : {}) }, actionId: press.actionId, value: press.value, label: press.label },
    );
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const headers = { "content-type": "application/x-www-form-urlencoded", ...(await signSlack(body, options.vars.SLACK_SIGNING_SECRET ?? "")) };
    return c.json(await deliver("slack", "/webhooks/slack/interactions", headers, body));
  });

  // A button on one of the bot's Discord messages, pressed by `person`: Discord registers the
  // interaction (so its token takes the ephemeral follow-up only they see), then sends it signed.
  app.post("/playground/discord/press", async (c) => {
    const parsed = DiscordPress.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) return c.json({ error: parsed.error.issues.map((i) => i.message).join("; ") }, 400);
    const { channelId, messageId, customId, person } = parsed.data;
    const state = await json<{ channels?: Record<string, DiscordMessage[]>; threads?: { id: string; parent_id: string }[] }>(await fetch(`${options.emulatorUrl}/_emulator/state/discord`));
    // A message in a thread: Discord's interaction names the thread and the channel it lives in.
    const parentId = state.threads?.find((thread) => thread.id === channelId)?.parent_id;
    const message = state.channels?.[channelId]?.find((candidate) => candidate.id === messageId);
    // Discord only sends presses of buttons that are on the message.
    const buttons = (message?.components ?? []).flatMap((row) => row.components ?? []).map((button) => button.custom_id);
    if (!message || !buttons.includes(customId)) return c.json({ error: "that message has no such button (any more)" }, 404);
    const applicationId = options.vars.DISCORD_APPLICATION_ID ?? DEV_DISCORD.applicationId;
    const member = DEV_DISCORD_PEOPLE[person];
    const { payload, id, token } = buttonPress({
      applicationId,
      guildId: DEV_DISCORD.guildId,
      channelId,
      ...(parentId ? { parentId } : {}),
      message: { id: message.id, content: message.content, author: { id: message.author.id, username: message.author.username }, components: message.components ?? [] },
      customId,
      member,
    });
    const registered = await control(options.emulatorUrl, "/_emulator/discord/interactions", {
      id,
      token,
      application_id: applicationId,
      channel_id: channelId,
      guild_id: DEV_DISCORD.guildId,
      type: payload.type,
      user: { id: member.user.id, username: member.user.username, global_name: member.user.global_name },
    });
    if (!registered.ok) return c.json({ error: `the emulator refused the interaction: ${registered.status}` }, 502);
    const body = JSON.stringify(payload);
    return c.json(await deliver("discord", "/webhooks/discord/interactions", await signInteraction(body, await importSeed(DEV_DISCORD.keySeed)), body));
  });

  // A maintainer closes an issue on GitHub: the emulator's issue is closed, then `issues.closed` is sent.
  app.post("/playground/github/close", async (c) => {
    const parsed = CloseGitHub.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) return c.json({ error: parsed.error.issues.map((i) => i.message).join("; ") }, 400);
    const { owner, repo, number, login } = parsed.data;
    const closed = await control(options.emulatorUrl, `/_emulator/github/issues/${owner}/${repo}/${number}/close`, { user: login });
    if (!closed.ok) return c.json({ error: `the emulator could not close #${number}` }, 404);
    const issue = await json<Record<string, unknown>>(closed);
    const payload = inRepository(githubExample("issues", "opened"), owner, repo);
    payload.action = "closed";
    Object.assign(payload.issue as object, { ...issue, labels: [] });
    Object.assign(payload.sender as object, { login, id: 2000 + login.length, type: "User" });
    const delivery = await signedDelivery("issues", payload, options.vars.GITHUB_WEBHOOK_SECRET ?? "");
    return c.json(await deliver("github", "/webhooks/github", delivery.headers, delivery.body));
  });

  // A person moves a Linear issue to another state ("Done"): the emulator's issue moves, then the Issue update is sent.
  app.post("/playground/linear/state", async (c) => {
    const parsed = MoveLinear.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) return c.json({ error: parsed.error.issues.map((i) => i.message).join("; ") }, 400);
    const moved = await control(options.emulatorUrl, `/_emulator/linear/issues/${parsed.data.issueId}/state`, { state: parsed.data.state });
    if (!moved.ok) return c.json({ error: "the emulator could not move the issue" }, 400);
    const { issue, from, to } = await json<{
      issue: { id: string; identifier: string; number: number; title: string; description: string; url: string; team: { id: string }; createdAt: string; updatedAt: string };
      from: { id: string };
      to: { id: string; name: string; type: string };
    }>(moved);
    const events = linearEvents({ organizationId: DEV_LINEAR.organizationId, botUserId: options.vars.LINEAR_BOT_USER_ID ?? DEV_LINEAR.botUserId });
    const body = JSON.stringify(events.issueWebhook(issue, { action: "update", updatedFrom: { stateId: from.id }, state: to }));
    return c.json(await deliver("linear", "/webhooks/linear", await signLinear(body, options.vars.LINEAR_WEBHOOK_SECRET ?? ""), body));
  });

  return app;
}

function control(emulatorUrl: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${emulatorUrl}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`emulator answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}
