import { abortAllDurableObjects } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DiscordConfig } from "../channels/discord/config.ts";
import { threadName } from "../channels/discord/normalize.ts";
import { discordOutbound } from "../channels/discord/outbound.ts";
import { DiscordTarget } from "../channels/discord/target.ts";
import { buttonPress } from "../dev/discord-events.ts";
import { TEST_DISCORD, TEST_TICKETS } from "./env.ts";
import { conversationExists, settled, snapshot } from "./support/agents.ts";
import { waitFor } from "./support/emulator.ts";
import { faultSpent, faultsOfThisTest } from "./support/faults.ts";
import { ticketTeam } from "./support/tickets.ts";
import {
  channelMessages,
  control,
  discordCalls,
  discordThreads,
  gatewayAdmin,
  gatewayConnected,
  gatewayStatus,
  mention,
  postInteraction,
  registerInteraction,
  slashCommand,
  snowflake,
  threadKey,
  userMessage,
  type EmulatedThread,
} from "./support/discord.ts";

const BOT = TEST_DISCORD.applicationId;
const REPORT = "Saving a draft crashes the editor with TypeError: cannot read properties of undefined (reading 'id')";
const faults = faultsOfThisTest();

const isStartThread = (channelId: string, messageId: string) => (call: { method: string; path: string }) =>
  call.method === "POST" && call.path === `/channels/${channelId}/messages/${messageId}/threads`;
const byBot = async (channelId: string) => (await channelMessages(channelId)).filter((message) => message.author.id === BOT);

/** The calls that started (or tried to start) a thread from `messageId`, with Discord's answer. */
async function threadStarts(channelId: string, messageId: string) {
  return (await discordCalls(`/messages/${messageId}/threads`)).filter(isStartThread(channelId, messageId));
}

/** The Gateway handled every dispatch so far (its saved sequence number caught up). */
async function handled(s: number | null) {
  await waitFor("the Gateway to handle the dispatch", async () => s !== null && ((await gatewayStatus()).seq ?? 0) >= s);
}

/** A thread a person opens without a starter message; `announce: false` keeps THREAD_CREATE from the Gateway. */
async function userThread(parentId: string, announce: boolean): Promise<EmulatedThread> {
  return (await control("/threads", { channel_id: parentId, guild_id: TEST_DISCORD.guildId, name: "Crash on save", announce })) as EmulatedThread;
}

beforeAll(async () => {
  await gatewayAdmin("stop");
  await control("/gateway/config", { ackHeartbeats: true, acceptConnections: true, heartbeatIntervalMs: 1500 });
  await gatewayConnected();
});
afterEach(() => faults.cleanUp());
afterAll(async () => {
  await gatewayAdmin("stop");
});

describe("Discord: each report in a channel is its own conversation, in a thread started from it", () => {
  it("a mention opens a thread named after it and is answered there; a follow-up in the thread reaches the same conversation", async () => {
    const channelId = snowflake();
    const report = await mention(channelId, `${REPORT}\nSteps: open a draft, press save.`);
    await settled(report.key);
    const thread = (await discordThreads()).find((candidate) => candidate.id === report.messageId);
    // Named after the report's first line.
    expect(thread).toMatchObject({ parent_id: channelId, type: 11, owner_id: BOT, name: REPORT });
    expect(await byBot(report.threadId)).toEqual([expect.objectContaining({ content: expect.stringMatching(/bug report/) })]);
    // Nothing of the bot's in the channel: the answer is in the thread, and its first message references nothing outside it.
    expect(await byBot(channelId)).toEqual([]);
    expect((await byBot(report.threadId))[0]!.message_reference).toBeUndefined();

    // Later messages in the thread (no mention needed: the bot takes part) belong to the report's conversation.
    const followUp = await userMessage({ channel_id: report.threadId, content: "It also happens with an empty draft." });
    await waitFor("the follow-up's answer", async () => (await byBot(report.threadId)).length === 2);
    const state = await settled(report.key);
    expect(state.turns).toEqual({ done: 2, failed: 0 });
    expect((await byBot(report.threadId))[1]!.message_reference?.message_id).toBe(followUp.message.id);
    // The Gateway heard THREAD_CREATE for the thread the bot started: it knew the parent without asking.
    expect((await discordCalls(`/channels/${report.threadId}`)).filter((call) => call.method === "GET")).toEqual([]);
    expect(await threadStarts(channelId, report.messageId)).toHaveLength(1);
  });

  it("the answer grows in its thread from the first words, with a slow tool step as a progress line under them", async () => {
    const channelId = TEST_TICKETS.discordToGitHub;
    // The tracker search takes a while: long enough for an edit (at most about one a second) to show it.
    await faults.inject({ platform: "github", method: "GET", pathPattern: "^/search/issues", kind: "timeout", delayMs: 1_500, then: "proceed" });
    const report = await mention(channelId, "Saving a draft with an emoji in its title crashes the editor with a TypeError");
    await waitFor("the request to park", async () => (await snapshot(report.key)).parked === 1);
    const [answer] = await byBot(report.threadId);
    const edits = (await discordCalls(`/channels/${report.threadId}/messages/${answer!.id}`)).filter((call) => call.method === "PATCH" && call.status === 200);
    expect(edits.map((call) => (call.body as { content: string }).content)).toContainEqual(expect.stringMatching(/^Let me look into this\.\s+-# ✓ Search issues$/));
  });

  it("two reports in one channel: two conversations, two threads, each answered in its own", async () => {
    const channelId = snowflake();
    const first = await mention(channelId, REPORT);
    await settled(first.key);
    const second = await mention(channelId, "Feature request: export the audit log as CSV, for our quarterly compliance review");
    await settled(second.key);
    expect(second.key).not.toBe(first.key);
    expect((await snapshot(first.key)).turns).toEqual({ done: 1, failed: 0 });
    expect((await discordThreads()).filter((thread) => thread.parent_id === channelId).map((thread) => thread.id).sort()).toEqual([first.messageId, second.messageId].sort());
    expect((await byBot(first.threadId)).map((m) => m.content)).toEqual([expect.stringMatching(/bug report/)]);
    expect((await byBot(second.threadId)).map((m) => m.content)).toEqual([expect.stringMatching(/feature request/)]);
  });

  it("a thread the Gateway never heard of is read once (GET /channels/{id}); one it learned from THREAD_LIST_SYNC is not read", async () => {
    const parentId = snowflake();
    const unseen = await userThread(parentId, false);
    const asks = [
      await userMessage({ channel_id: unseen.id, content: `<@${BOT}> the export crashes with a TypeError`, mentions: [BOT] }),
      await userMessage({ channel_id: unseen.id, content: `<@${BOT}> and the import too`, mentions: [BOT] }),
    ];
    const key = threadKey(parentId, unseen.id);
    await waitFor("both answers", async () => (await byBot(unseen.id)).length === 2);
    expect((await settled(key)).turns).toEqual({ done: 2, failed: 0 });
    expect((await byBot(unseen.id)).map((m) => m.message_reference?.message_id)).toEqual(asks.map((ask) => ask.message.id));
    // Asked once, then remembered. A thread a person opened is never started again.
    expect((await discordCalls(`/channels/${unseen.id}`)).filter((call) => call.method === "GET").map((call) => call.status)).toEqual([200]);
    expect((await discordCalls(`/messages/${unseen.id}/threads`))).toEqual([]);

    // Discord syncs the active threads of a channel the bot gains access to.
    const synced = await userThread(parentId, false);
    const sync = (await control("/gateway/dispatch", { t: "THREAD_LIST_SYNC", d: { guild_id: TEST_DISCORD.guildId, channel_ids: [parentId], threads: [synced], members: [] } })) as { s: number };
    await handled(sync.s);
    await userMessage({ channel_id: synced.id, content: `<@${BOT}> the import crashes as well`, mentions: [BOT] });
    await settled(threadKey(parentId, synced.id));
    expect(await byBot(synced.id)).toHaveLength(1);
    expect((await discordCalls(`/channels/${synced.id}`)).filter((call) => call.method === "GET")).toEqual([]);
  });

  it("a thread that cannot be read (deleted, no access) skips the message without error", async () => {
    const ghost = snowflake();
    const sent = await userMessage({ channel_id: ghost, channel_type: 11, content: `<@${BOT}> hello from a thread nobody can see`, mentions: [BOT] });
    await handled(sent.s);
    expect((await discordCalls(`/channels/${ghost}`)).filter((call) => call.method === "GET").map((call) => call.status)).toEqual([404]);
    expect((await gatewayStatus()).state).toBe("connected");
  });

  it("a redelivered MESSAGE_CREATE (a resume replaying it) starts no second thread and posts nothing twice", async () => {
    const channelId = snowflake();
    const report = await mention(channelId, REPORT);
    await settled(report.key);
    const again = (await control("/gateway/dispatch", { t: "MESSAGE_CREATE", d: { ...report.message, guild_id: TEST_DISCORD.guildId, channel_type: 0 } })) as { s: number };
    await handled(again.s);
    expect((await settled(report.key)).turns).toEqual({ done: 1, failed: 0 });
    expect((await threadStarts(channelId, report.messageId)).map((call) => call.status)).toEqual([201]);
    expect(await byBot(report.threadId)).toHaveLength(1);
  });

  it("a crash after Discord created the thread, before the turn knew it: the re-run finds it (160004) and answers once", async () => {
    const channelId = snowflake();
    const held = await faults.inject({ platform: "discord", method: "POST", pathPattern: `^/channels/${channelId}/messages/\\d+/threads$`, kind: "timeout", delayMs: 1_000, then: "proceed" });
    const report = await mention(channelId, REPORT);
    await waitFor("the thread's start to be held", () => faultSpent(held));
    await abortAllDurableObjects();
    await waitFor("the held start to land", async () => (await threadStarts(channelId, report.messageId)).some((call) => call.status === 201));

    const state = await settled(report.key, 20_000);
    expect(state.turns).toEqual({ done: 1, failed: 0 });
    const starts = await threadStarts(channelId, report.messageId);
    expect(starts.map((call) => call.status)).toEqual([201, ...starts.slice(1).map(() => 400)]);
    expect(starts.length).toBeGreaterThan(1);
    for (const retry of starts.slice(1)) expect(retry.response).toMatchObject({ code: 160004 });
    expect((await discordThreads()).filter((thread) => thread.parent_id === channelId)).toHaveLength(1);
    expect(await byBot(report.threadId)).toHaveLength(1);
    await gatewayConnected();
  });

  it("a crash after the first message in the thread landed: the nonce returns it, nothing is posted twice", async () => {
    const channelId = snowflake();
    const report = await mention(channelId, REPORT);
    const held = await faults.inject({ platform: "discord", method: "POST", pathPattern: `^/channels/${report.threadId}/messages$`, kind: "timeout", delayMs: 1_000, then: "proceed" });
    await waitFor("the first message in the thread to be held", () => faultSpent(held));
    await abortAllDurableObjects();
    await waitFor("the held message to land", async () => (await byBot(report.threadId)).length === 1);
    const state = await settled(report.key, 20_000);
    expect(state.last).toMatchObject({ status: "done" });
    const posts = (await discordCalls(`/channels/${report.threadId}/messages`)).filter((call) => call.method === "POST" && call.status < 300);
    expect(posts.length).toBeGreaterThan(1);
    expect(new Set(posts.map((call) => (call.response as { id: string }).id)).size).toBe(1);
    expect(await byBot(report.threadId)).toEqual([expect.objectContaining({ content: expect.stringMatching(/bug report/) })]);
    await gatewayConnected();
  });

  it("without Create Public Threads the bot answers in the channel, replying to the report", async () => {
    const channelId = snowflake();
    await faults.inject({ platform: "discord", method: "POST", pathPattern: `^/channels/${channelId}/messages/\\d+/threads$`, kind: "status", status: 403, body: { message: "Missing Permissions", code: 50013 } });
    const report = await mention(channelId, REPORT);
    await settled(report.key);
    expect(await discordThreads().then((all) => all.filter((thread) => thread.parent_id === channelId))).toEqual([]);
    expect(await byBot(channelId)).toEqual([expect.objectContaining({ message_reference: expect.objectContaining({ message_id: report.messageId }) })]);
  });

  it("without Create Public Threads, an approval asked in the channel is still decided there, for the report's conversation", async () => {
    await ticketTeam();
    const channelId = TEST_TICKETS.discordToLinear;
    await faults.inject({ platform: "discord", method: "POST", pathPattern: `^/channels/${channelId}/messages/\\d+/threads$`, kind: "status", status: 403, body: { message: "Missing Permissions", code: 50013 }, times: 10 });
    const report = await mention(channelId, "Importing a CSV with a BOM shifts every column by one, then the preview crashes with a TypeError");
    await waitFor("the request to park", async () => (await snapshot(report.key)).parked === 1);
    const request = (await byBot(channelId)).find((m) => m.message_reference?.message_id === report.messageId && m.components?.length)!;
    const approve = request.components!.flatMap((row) => row.components).find((button) => button.custom_id.startsWith("switchboard:approve:"))!;
    // The buttons name the report's thread-to-be: a press in the channel carries only the channel.
    expect(approve.custom_id).toMatch(new RegExp(`^switchboard:approve:[\\w-]+@${report.messageId}$`));
    const press = buttonPress({
      applicationId: BOT,
      guildId: TEST_DISCORD.guildId,
      channelId,
      message: { id: request.id, content: request.content, author: { id: BOT, username: "switchboard" }, components: request.components },
      customId: approve.custom_id,
      member: { user: { id: "1033044521375764530", username: "ada", global_name: "Ada" }, permissions: String((1n << 10n) | (1n << 11n) | (1n << 5n)) },
    });
    await registerInteraction({ id: press.id, token: press.token, channel_id: channelId, guild_id: TEST_DISCORD.guildId });
    expect(await (await postInteraction(press.payload)).json()).toEqual({ type: 6 });
    const done = await settled(report.key);
    expect(done.last?.reply).toMatch(/^Filed \*\*[A-Z]+-\d+\*\*/);
    expect((await ticketTeam()).issues.filter((issue) => issue.description.includes("Importing a CSV with a BOM"))).toHaveLength(1);
    expect(await conversationExists(`discord:${TEST_DISCORD.guildId}:${channelId}`)).toBe(false);
  });

  it("DMs are unchanged: one conversation per DM channel, answered there, no thread", async () => {
    const dm = snowflake();
    const first = await userMessage({ channel_id: dm, guild_id: undefined, channel_type: 1, content: "the app crashes on save with a TypeError" });
    const key = `discord:@me:${dm}`;
    await settled(key);
    await userMessage({ channel_id: dm, guild_id: undefined, channel_type: 1, content: "and on load too" });
    await waitFor("the second answer", async () => (await byBot(dm)).length === 2);
    expect((await settled(key)).turns).toEqual({ done: 2, failed: 0 });
    expect((await byBot(dm))[0]!.message_reference?.message_id).toBe(first.message.id);
    expect((await discordCalls(`/messages/${first.message.id}/threads`))).toEqual([]);
  });
});

describe("Discord interactions in a thread", () => {
  it("/triage run in a thread belongs to the thread's conversation, named under its channel", async () => {
    const parentId = snowflake();
    const thread = await userThread(parentId, true);
    const command = await slashCommand(REPORT, { channelId: thread.id, parentId });
    expect(command.key).toBe(threadKey(parentId, thread.id));
    expect(await (await postInteraction(command.payload)).json()).toEqual({ type: 5 });
    expect((await settled(command.key)).turns).toEqual({ done: 1, failed: 0 });
    expect(await conversationExists(`discord:${TEST_DISCORD.guildId}:${thread.id}`)).toBe(false);
  });

  it("an interaction in a thread without the thread's parent_id is a 400 naming it, and nothing is stored", async () => {
    const command = await slashCommand(REPORT, { channelId: snowflake(), parentId: snowflake() });
    const { parent_id: _parent, ...channel } = command.payload.channel as { parent_id?: string };
    const response = await postInteraction({ ...command.payload, channel });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "malformed", reason: "channel.parent_id: required for an interaction in a thread" });
    expect(await conversationExists(command.key)).toBe(false);
  });
});

describe("Discord reply targets", () => {
  it("a thread's name is the report's first line, cut to Discord's 100 characters; an empty one names the author", () => {
    expect(threadName(`  ${"word ".repeat(40)}\nsecond line`, "Ada")).toBe(`${"word ".repeat(20).trim()}…`);
    expect(threadName(`${"word ".repeat(40)}`, "Ada").length).toBe(100);
    expect(threadName("\n  \n", "Ada")).toBe("Conversation with Ada");
  });

  const config = () => DiscordConfig.parse(env);

  it("a target stored before threads (channel + message) still parses and answers in the channel, replying", async () => {
    const channelId = snowflake();
    const person = await userMessage({ channel_id: channelId, content: "an older report" });
    const target = DiscordTarget.parse({ channelId, messageId: person.message.id });
    await discordOutbound(target, config()).reply("still answered in place", { idempotencyKey: `old-${channelId}`, replay: false });
    expect(await byBot(channelId)).toEqual([expect.objectContaining({ content: "still answered in place", message_reference: expect.objectContaining({ message_id: person.message.id }) })]);
    expect(await discordCalls(`/messages/${person.message.id}/threads`)).toEqual([]);
  });

  it("a thread started from a message has that message's id: a target saying otherwise is refused", () => {
    const refused = DiscordTarget.safeParse({ channelId: "1", messageId: "2", startThread: { parentId: "3", name: "x" } });
    expect(refused.success).toBe(false);
    expect(refused.error!.issues[0]!.path).toEqual(["startThread"]);
  });
});
