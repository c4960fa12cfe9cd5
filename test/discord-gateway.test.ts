import { abortAllDurableObjects } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { GatewayMachine, NO_SESSION, RESUMABLE_CLOSE } from "../channels/discord/gateway.ts";
import { TEST_DISCORD } from "./env.ts";
import { waitFor } from "./support/emulator.ts";
import {
  channelMessages,
  control,
  gatewayAdmin,
  gatewaySnapshot,
  gatewayStatus,
  mention as mentionIn,
  settled,
  snowflake,
  threadKey,
  userMessage,
} from "./support/discord.ts";

const BOT = TEST_DISCORD.applicationId;

async function connected() {
  return waitFor("the gateway to be connected", async () => {
    const status = await gatewayStatus();
    return status.state === "connected" ? status : null;
  });
}

/** A mention of the bot in a fresh channel: its conversation is the thread started from it. */
async function mention(text = "the export button crashes the app with a TypeError, steps to reproduce: click export") {
  const channelId = snowflake();
  const sent = await mentionIn(channelId, text);
  return { channelId, messageId: sent.messageId, key: sent.key, s: sent.s, sent: sent.sent };
}

/** The person's message got exactly one reply by the bot, in the thread started from it; the channel got none. */
async function answeredOnce(channelId: string, messageId: string) {
  await waitFor(`a reply in the thread of ${messageId}`, async () => (await channelMessages(messageId)).length >= 1);
  await settled(threadKey(channelId, messageId));
  const replies = (await channelMessages(messageId)).filter((message) => message.author.id === BOT);
  expect(replies).toHaveLength(1);
  expect(await channelMessages(channelId)).toEqual([expect.objectContaining({ id: messageId })]);
}

beforeEach(async () => {
  await gatewayAdmin("stop");
  await control("/gateway/config", { ackHeartbeats: true, acceptConnections: true, heartbeatIntervalMs: 1500 });
  expect((await gatewayAdmin("start")).status).toBe(200);
  await connected();
});

afterAll(async () => {
  await gatewayAdmin("stop");
});

describe("Discord Gateway held by a Durable Object", () => {
  it("connects, IDENTIFYs with GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES, gets READY, and a mention gets one reply", async () => {
    const snapshot = await gatewaySnapshot();
    const identify = snapshot.log.filter((entry) => entry.direction === "in" && entry.op === 2);
    expect(identify.length).toBeGreaterThan(0);
    expect(snapshot.session).toMatchObject({ connected: true, valid: true });

    const { channelId, messageId, key } = await mention();
    await answeredOnce(channelId, messageId);
    const reply = (await channelMessages(messageId))[0]!;
    expect(reply.content).toMatch(/bug report/);
    // The bot's own reply came back over the Gateway and was skipped: still one turn.
    expect((await settled(key)).turns).toEqual({ done: 1, failed: 0 });

    const health = (await (await exports.default.fetch("https://switchboard.test/health")).json()) as { channels: { discord: { gateway: { state: string; connected: boolean; lastEventAgeMs: number } } } };
    expect(health.channels.discord.gateway).toMatchObject({ state: "connected", connected: true });
    expect(health.channels.discord.gateway.lastEventAgeMs).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(health)).not.toContain("test-discord-bot-token");
  });

  it("a plain message in a channel is not for the bot; a thread message is routed to its conversation", async () => {
    const channelId = snowflake();
    await userMessage({ channel_id: channelId, content: "lunch anyone?" });
    const mentionInOther = await mention();
    await answeredOnce(mentionInOther.channelId, mentionInOther.messageId);
    expect(await channelMessages(channelId)).toHaveLength(1);
  });

  it("drop after seq N with events queued while disconnected → RESUME replays the gap; none lost, none twice", async () => {
    const before = await gatewaySnapshot();
    const first = await mention();
    await answeredOnce(first.channelId, first.messageId);

    // Refuse reconnection for a moment so the next events are queued on the session.
    await control("/gateway/config", { acceptConnections: false });
    await control("/gateway/drop", {});
    await waitFor("the drop to be noticed", async () => (await gatewayStatus()).state !== "connected");
    const queued = [await mention("crash one: TypeError on save"), await mention("crash two: error on load"), await mention("feature: add dark mode please")];
    expect(queued.every((event) => !event.sent && event.s !== null)).toBe(true);
    await control("/gateway/config", { acceptConnections: true });
    await connected();

    for (const event of queued) await answeredOnce(event.channelId, event.messageId);
    await answeredOnce(first.channelId, first.messageId);
    const after = await gatewaySnapshot();
    expect(after.counts.resume - before.counts.resume).toBe(1);
    expect(after.counts.identify).toBe(before.counts.identify);
    expect(after.log.some((entry) => entry.note === `resume after ${queued[0]!.s! - 1}: replaying 3`) || after.log.some((entry) => /^resume after \d+: replaying [3-9]/.test(entry.note ?? ""))).toBe(true);
  });

  it("evicting the Durable Object → its alarm reconnects and RESUMEs by itself; the gap is replayed", async () => {
    const before = await gatewaySnapshot();
    // Drops the object's memory (socket, timers) and keeps its storage, as an eviction or a crash
    // does. (evictDurableObject() waits for in-flight work, which an open Gateway never finishes.)
    await abortAllDurableObjects();
    await waitFor("the emulator to see the socket go", async () => (await gatewaySnapshot()).session?.connected === false);
    const missed = await mention("crash after eviction: TypeError");
    expect(missed.sent).toBe(false);
    // No request reaches the object: only its alarm can bring it back.
    await waitFor("the gateway to resume", async () => (await gatewaySnapshot()).counts.resume > before.counts.resume, 20_000);
    await answeredOnce(missed.channelId, missed.messageId);
    expect((await gatewaySnapshot()).counts.identify).toBe(before.counts.identify);
  });

  it("RECONNECT (op 7) → resumes; a missing HEARTBEAT_ACK → drops the zombie connection and resumes", async () => {
    const before = await gatewaySnapshot();
    await control("/gateway/reconnect", {});
    await waitFor("a resume after op 7", async () => (await gatewaySnapshot()).counts.resume === before.counts.resume + 1);
    await connected();

    await control("/gateway/config", { ackHeartbeats: false });
    await waitFor("a resume after ACKs stopped", async () => (await gatewaySnapshot()).counts.resume === before.counts.resume + 2, 20_000);
    await control("/gateway/config", { ackHeartbeats: true });
    const { channelId, messageId } = await mention();
    await answeredOnce(channelId, messageId);
    expect((await gatewaySnapshot()).counts.identify).toBe(before.counts.identify);
  });

  it("INVALID_SESSION (not resumable) → a fresh IDENTIFY", async () => {
    const before = await gatewaySnapshot();
    await control("/gateway/invalidate", { resumable: false });
    await waitFor("a new identify", async () => (await gatewaySnapshot()).counts.identify === before.counts.identify + 1, 15_000);
    await connected();
    const { channelId, messageId } = await mention();
    await answeredOnce(channelId, messageId);
  });

  it("fatal close 4004 (bad token) → stops, reports it, and does not hammer the gateway", async () => {
    await control("/gateway/drop", { code: 4004 });
    const status = await waitFor("the failure to be reported", async () => {
      const current = await gatewayStatus();
      return current.state === "failed" ? current : null;
    });
    expect(status.error).toMatch(/4004 authentication failed/);
    const connections = (await gatewaySnapshot()).counts.connections;
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await gatewaySnapshot()).counts.connections).toBe(connections);
    const health = (await (await exports.default.fetch("https://switchboard.test/health")).json()) as { channels: { discord: { gateway: { state: string; error: string } } } };
    expect(health.channels.discord.gateway).toMatchObject({ state: "failed", error: expect.stringMatching(/4004/) });
  });

  it("the start/stop endpoints refuse a wrong ADMIN_TOKEN and a request without one", async () => {
    expect((await gatewayAdmin("start", "not-the-admin-token-but-just-as-long-00")).status).toBe(401);
    const bare = await exports.default.fetch(new Request("https://switchboard.test/operator/discord/gateway/stop", { method: "POST" }));
    expect(bare.status).toBe(401);
    expect((await gatewayStatus()).state).toBe("connected");
  });
});

describe("Gateway protocol machine", () => {
  const hello = JSON.stringify({ op: 10, d: { heartbeat_interval: 1000 }, s: null, t: null });

  it("IDENTIFYs without a session and RESUMEs with one; heartbeats carry the last seq", () => {
    const fresh = new GatewayMachine(NO_SESSION, { token: "t", random: () => 0.5 });
    fresh.opened();
    const effects = fresh.received(hello);
    expect(effects).toContainEqual({ type: "heartbeat-in", ms: 500 });
    expect(effects).toContainEqual({ type: "send", payload: expect.objectContaining({ op: 2, d: expect.objectContaining({ intents: 4609 }) }) });

    const resuming = new GatewayMachine({ sessionId: "abc", resumeUrl: "wss://r", seq: 41 }, { token: "t" });
    resuming.opened();
    expect(resuming.received(hello)).toContainEqual({ type: "send", payload: { op: 6, d: { token: "t", session_id: "abc", seq: 41 } } });
    resuming.received(JSON.stringify({ op: 0, t: "MESSAGE_CREATE", s: 42, d: {} }));
    expect(resuming.heartbeatDue()).toContainEqual({ type: "send", payload: { op: 1, d: 42 } });
    // No ACK before the next beat: a zombie connection.
    expect(resuming.heartbeatDue()).toEqual([expect.objectContaining({ type: "reconnect", resume: true, closeCode: RESUMABLE_CLOSE })]);
  });

  it("classifies close codes: fatal stop, fresh identify, or resume", () => {
    const machine = () => new GatewayMachine({ sessionId: "abc", resumeUrl: "wss://r", seq: 1 }, { token: "t" });
    expect(machine().closed(4004)).toEqual([expect.objectContaining({ type: "stop", code: 4004 })]);
    expect(machine().closed(4014)).toEqual([expect.objectContaining({ type: "stop", code: 4014 })]);
    expect(machine().closed(4009)).toContainEqual(expect.objectContaining({ type: "reconnect", resume: false }));
    expect(machine().closed(1006)).toEqual([expect.objectContaining({ type: "reconnect", resume: true })]);
    expect(machine().closed(4000)).toEqual([expect.objectContaining({ type: "reconnect", resume: true })]);
  });
});
