// The cost section's events, one builder per event type: signed exactly as each platform signs
// them, against the dev workspace the emulator serves (dev/defaults.ts). Each call builds the next
// event of its type, in a conversation of its own unless the type says otherwise.
import { DEV_BOT_NAME, DEV_GITHUB_WEBHOOK_SECRET } from "../dev/defaults.ts";
import { importSeed, signInteraction, triageCommand } from "../dev/discord-events.ts";
import { DEV_DISCORD } from "../dev/emulator/discord.ts";
import { DEV_LINEAR } from "../dev/emulator/linear.ts";
import { DEV_SLACK } from "../dev/emulator/slack.ts";
import { githubExample } from "../dev/github-examples.ts";
import { inRepository, signedDelivery } from "../dev/github-events.ts";
import { HUMAN, linearEvents, signLinear, type SeededIssue, type SeededTeam } from "../dev/linear-events.ts";
import { eventCallback, signSlack } from "../dev/slack-events.ts";
import type { PreparedRequest } from "./load.ts";

export const EVENT_TYPES = [
  "slackMentionNewThread",
  "slackMentionKnownThread",
  "slackMessageTopLevel",
  "slackMessageUnjoinedThread",
  "githubIssueOpened",
  "githubCommentUnmentioned",
  "githubCommentUnmentionedBusyIssue",
  "githubCommentUnmentionedOldIssue",
  "linearAssigned",
  "discordTriage",
  "duplicateDelivery",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const EVENT_LABELS: Record<EventType, string> = {
  slackMentionNewThread: "Slack mention, new thread",
  slackMentionKnownThread: "Slack mention, known thread",
  slackMessageTopLevel: "Slack message to nobody, top level",
  slackMessageUnjoinedThread: "Slack message to nobody, thread the bot never joined",
  githubIssueOpened: "GitHub issue opened",
  githubCommentUnmentioned: "GitHub comment, no mention, untouched issue (no earlier comments)",
  githubCommentUnmentionedBusyIssue: "GitHub comment, no mention, untouched issue with earlier comments",
  githubCommentUnmentionedOldIssue: "GitHub comment, no mention, issue older than the index",
  linearAssigned: "Linear issue assigned to the bot",
  discordTriage: "Discord /triage",
  duplicateDelivery: "duplicate delivery (a Slack mention again)",
};

/** Whether the event type starts a turn: its replies are waited for before counting ends. */
export const STARTS_TURN: Record<EventType, boolean> = {
  slackMentionNewThread: true,
  slackMentionKnownThread: true,
  slackMessageTopLevel: false,
  slackMessageUnjoinedThread: false,
  githubIssueOpened: true,
  githubCommentUnmentioned: false,
  githubCommentUnmentionedBusyIssue: false,
  githubCommentUnmentionedOldIssue: false,
  linearAssigned: true,
  discordTriage: true,
  duplicateDelivery: false,
};

const TEXT = "the nightly build fails on main since the dependency bump: TypeError in save(), can you take a look?";
const SLACK = { teamId: DEV_SLACK.teamId, appId: DEV_SLACK.appId, botUserId: DEV_SLACK.botUserId };

/** Slack-looking timestamps, unique in the run and close to now (a thread started minutes ago). */
let tick = 0;
function slackTs(): string {
  tick++;
  return `${Math.floor(Date.now() / 1000)}.${String(tick).padStart(6, "0")}`;
}

async function slackEvent(event: Record<string, unknown>): Promise<PreparedRequest & { eventId: string }> {
  const envelope = eventCallback(SLACK, { channel_type: "channel", ...event });
  const body = JSON.stringify(envelope);
  return { path: "/webhooks/slack/events", headers: { "content-type": "application/json", ...(await signSlack(body, DEV_SLACK.signingSecret)) }, body, eventId: envelope.event_id };
}

async function githubEvent(name: string, payload: unknown): Promise<PreparedRequest> {
  const delivery = await signedDelivery(name, payload, DEV_GITHUB_WEBHOOK_SECRET);
  return { path: "/webhooks/github", headers: delivery.headers, body: delivery.body };
}

async function control<T>(emulatorUrl: string, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${emulatorUrl}/_emulator${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`emulator ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * The builders of one run. `prefix` keeps two Workers measured in one run apart (Slack channels
 * `C<prefix>…`, GitHub repositories `<prefix>-…`), so neither finds the other's conversations.
 */
export function costEvents(emulatorUrl: string, prefix: string) {
  const channel = `C${prefix}COST`;
  /** Threads the bot answered in (new-thread mentions), for mentions in a known thread and duplicates. */
  const answered: string[] = [];
  const delivered: PreparedRequest[] = [];
  let issue = 0;
  let linearTeam: Promise<SeededTeam> | undefined;
  let discordKey: Promise<CryptoKey> | undefined;
  const owner = `${prefix.toLowerCase()}-org`;

  const comment = async (repo: string, comments: number, createdAt = new Date().toISOString()) => {
    const payload = inRepository(githubExample("issue_comment", "created"), owner, repo);
    issue++;
    Object.assign(payload.issue as object, { number: 1000 + issue, comments, created_at: createdAt, user: { login: "octocat", id: 1, type: "User" } });
    Object.assign(payload.comment as object, { body: "Same here: it started after the upgrade.", id: 5_000_000 + issue });
    Object.assign(payload.sender as object, { login: "octocat", id: 1, type: "User" });
    return githubEvent("issue_comment", payload);
  };

  const builders: Record<EventType, () => Promise<PreparedRequest>> = {
    async slackMentionNewThread() {
      const ts = slackTs();
      answered.push(ts);
      const event = await slackEvent({ type: "app_mention", user: "U0HUMAN001", text: `<@${DEV_SLACK.botUserId}> ${TEXT}`, ts, channel });
      delivered.push(event);
      return event;
    },
    async slackMentionKnownThread() {
      const thread = answered.shift();
      if (!thread) throw new Error("no answered thread left: measure slackMentionNewThread first, with as many events");
      return slackEvent({ type: "app_mention", user: "U0HUMAN001", text: `<@${DEV_SLACK.botUserId}> and on the release branch too?`, ts: slackTs(), thread_ts: thread, channel });
    },
    slackMessageTopLevel: () => slackEvent({ type: "message", user: "U0HUMAN002", text: "lunch at noon?", ts: slackTs(), channel }),
    async slackMessageUnjoinedThread() {
      // A thread two people started a moment ago, without the bot.
      const thread = slackTs();
      return slackEvent({ type: "message", user: "U0HUMAN002", text: "+1, same for me", ts: slackTs(), thread_ts: thread, parent_user_id: "U0HUMAN001", channel });
    },
    async githubIssueOpened() {
      const payload = inRepository(githubExample("issues", "opened"), owner, "app");
      issue++;
      Object.assign(payload.issue as object, { number: 1000 + issue, title: "App crashes with TypeError when saving settings", body: `Steps to reproduce:\n1. Open settings\n2. Click save\n\n${TEXT}`, labels: [], created_at: new Date().toISOString() });
      return githubEvent("issues", payload);
    },
    githubCommentUnmentioned: () => comment("app", 0),
    githubCommentUnmentionedBusyIssue: () => comment("app", 7),
    // Opened a year before: the bot may have joined it before the index kept count, so its own object decides.
    githubCommentUnmentionedOldIssue: () => comment("app", 7, new Date(Date.now() - 365 * 86_400_000).toISOString()),
    async linearAssigned() {
      linearTeam ??= control<SeededTeam>(emulatorUrl, "/linear/teams", { key: `${prefix}L`.slice(0, 5), name: `Cost ${prefix}` });
      const team = await linearTeam;
      const seeded = await control<SeededIssue>(emulatorUrl, "/linear/issues", { teamId: team.id, title: "Checkout fails on Safari", description: TEXT, creatorId: HUMAN.id });
      const payload = linearEvents({ organizationId: DEV_LINEAR.organizationId, botUserId: DEV_LINEAR.botUserId }).issueWebhook(seeded, {
        action: "update",
        assigneeId: DEV_LINEAR.botUserId,
        updatedFrom: { assigneeId: null },
      });
      const body = JSON.stringify(payload);
      return { path: "/webhooks/linear", headers: await signLinear(body, DEV_LINEAR.webhookSecret), body };
    },
    async discordTriage() {
      const channelId = "1300000000000000100";
      const { payload, id, token } = triageCommand({ applicationId: DEV_DISCORD.applicationId, guildId: DEV_DISCORD.guildId, channelId, text: TEXT });
      await control(emulatorUrl, "/discord/interactions", { id, token, application_id: DEV_DISCORD.applicationId, channel_id: channelId, guild_id: DEV_DISCORD.guildId });
      discordKey ??= importSeed(DEV_DISCORD.keySeed);
      const body = JSON.stringify(payload);
      return { path: "/webhooks/discord/interactions", headers: await signInteraction(body, await discordKey), body };
    },
    async duplicateDelivery() {
      const original = delivered.shift();
      if (!original) throw new Error("no delivered mention left: measure slackMentionNewThread first, with as many events");
      // Slack redelivers with the same body and event id, signed again at the retry's time.
      return { ...original, headers: { ...original.headers, ...(await signSlack(original.body, DEV_SLACK.signingSecret)), "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" } };
    },
  };
  return builders;
}

export { DEV_BOT_NAME };
