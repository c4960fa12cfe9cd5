import { runInDurableObject } from "cloudflare:test";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { buttonPress } from "../../dev/discord-events.ts";
import { TEST_DISCORD } from "../env.ts";
import { conversation, settled, snapshot } from "../support/agents.ts";
import { gatewayAdmin, gatewayConnected, mention, postInteraction, registerInteraction, slashCommand } from "../support/discord.ts";
import { emulatorUrl, waitFor } from "../support/emulator.ts";
import { hold } from "./deployer-agent.ts";
import type { ConversationAgent } from "./worker.ts";
import { parkedOn, expireUnanswered, deploysOf } from "./approvals.ts";

// Permissions as Discord computes them for a member in a channel (decimal bitfields).
const EVERYDAY = String((1n << 10n) | (1n << 11n) | (1n << 16n)); // View Channel, Send Messages, Read Message History
const MANAGE_SERVER = String(BigInt(EVERYDAY) | (1n << 5n));
const ADMIN = { user: { id: "1033044521375764530", username: "ada", global_name: "Ada" }, permissions: MANAGE_SERVER };
const MEMBER = { user: { id: "1033044521375764531", username: "hugo", global_name: "Hugo" }, permissions: EVERYDAY };

type Button = { type: number; custom_id: string; label: string; style: number };
type Message = { id: string; content: string; author: { id: string }; components?: { type: number; components: Button[] }[]; webhook_id?: string };
type Ephemeral = { interactionId: string; channelId: string; message: { content: string; flags: number } };

async function discordState(): Promise<{ channels: Record<string, Message[]>; ephemerals: Ephemeral[] }> {
  return (await fetch(`${emulatorUrl}/_emulator/state/discord`)).json() as never;
}

/** The bot's request in the channel: the message whose buttons carry the request id. */
async function request(channelId: string): Promise<Message> {
  return waitFor("the approval request", async () => (await discordState()).channels[channelId]?.find((m) => m.components?.length));
}

async function requestMessage(channelId: string): Promise<Message | undefined> {
  return (await discordState()).channels[channelId]?.find((m) => m.content.includes("asks for approval") || m.content.includes("asked for approval"));
}

/**
 * A press on the request's Approve or Deny button, registered with the emulator so its token can
 * answer; in thread `channelId` of `parentId` when the request is in a thread.
 */
async function press(channelId: string, member: typeof ADMIN, decision: "approve" | "deny", onMessage?: Message, parentId?: string) {
  const message = onMessage ?? (await request(channelId));
  const button = message.components!.flatMap((row) => row.components).find((b) => b.custom_id.startsWith(`switchboard:${decision}:`))!;
  const { payload, id, token } = buttonPress({
    applicationId: TEST_DISCORD.applicationId,
    guildId: TEST_DISCORD.guildId,
    channelId,
    ...(parentId ? { parentId } : {}),
    message: { id: message.id, content: message.content, author: { id: TEST_DISCORD.applicationId, username: "switchboard" }, components: message.components },
    customId: button.custom_id,
    member,
  });
  await registerInteraction({ id, token, channel_id: channelId, guild_id: TEST_DISCORD.guildId });
  return { response: await postInteraction(payload), payload };
}

/** The answer the slash command's deferred response was filled in with. */
async function answers(channelId: string): Promise<string[]> {
  return ((await discordState()).channels[channelId] ?? []).filter((m) => m.webhook_id && m.content).map((m) => m.content);
}


describe("approval gates on Discord: buttons on a channel message, decided by who may manage the server", () => {
  let channelId: string;
  let key: string;
  let service: string;
  beforeEach(async () => {
    // Channels starting with 9 are the deployer agent's (test/framework/worker.ts).
    channelId = `9${String(Date.now()).slice(-9)}${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
    service = `svc-${crypto.randomUUID().slice(0, 6)}`;
    const command = await slashCommand(`deploy ${service}`, { channelId });
    key = command.key;
    const response = await postInteraction(command.payload);
    expect(await response.json()).toEqual({ type: 5 });
  });
  afterEach(() => {
    delete hold.until;
  });

  it("asks with an Approve and a Deny button whose custom ids carry the request, and holds nothing while waiting", async () => {
    const parked = await parkedOn(key);
    const message = await request(channelId);
    expect(message.author.id).toBe(TEST_DISCORD.applicationId);
    expect(message.content).toContain(`asks for approval to deploy *${service}* to production`);
    expect(message.components).toEqual([
      {
        type: 1,
        components: [
          { type: 2, style: 3, label: "Approve", custom_id: `switchboard:approve:${parked.last!.approval!.id}` },
          { type: 2, style: 4, label: "Deny", custom_id: `switchboard:deny:${parked.last!.approval!.id}` },
        ],
      },
    ]);
    const waiting = await runInDurableObject(await conversation(key), (instance: ConversationAgent, state) => ({
      fibers: state.storage.sql.exec("SELECT name FROM cf_agents_runs").toArray().length,
      schedules: instance.getSchedules().map((schedule) => schedule.callback),
    }));
    expect(waiting).toEqual({ fibers: 0, schedules: ["expireApproval"] });
    expect(deploysOf(service)).toEqual([]);
  });

  it("approve → the tool runs once, the answer says so, and the request shows who approved, without buttons", async () => {
    await parkedOn(key);
    const { response } = await press(channelId, ADMIN, "approve");
    // Acknowledged as a deferred update: nothing new appears for the person who pressed.
    expect(await response.json()).toEqual({ type: 6 });
    const done = await settled(key);
    expect(done.last).toMatchObject({ status: "done", reply: `Deployed ${service}.` });
    expect(deploysOf(service)).toEqual([{ service, calls: 1, replays: 0 }]);
    const decided = await waitFor("the outcome on the request", async () => {
      const message = await requestMessage(channelId);
      return message?.content.includes("Approved by Ada") ? message : null;
    });
    expect(decided.components).toEqual([]);
    expect(await answers(channelId)).toEqual([`Deployed ${service}.`]);
  });

  it("deny → the tool does not run, and the model's answer says who denied it", async () => {
    await parkedOn(key);
    await press(channelId, ADMIN, "deny");
    const done = await settled(key);
    expect(done.last?.reply).toBe("Not deployed: deploy did not run: denied by Ada.");
    expect(deploysOf(service)).toEqual([]);
    await waitFor("the outcome on the request", async () => (await requestMessage(channelId))?.content.includes("❌ Denied by Ada"));
  });

  it("someone without Manage Server gets an ephemeral 'not allowed', and nothing changes", async () => {
    await parkedOn(key);
    const { payload } = await press(channelId, MEMBER, "approve");
    const refusal = await waitFor("the ephemeral refusal", async () => (await discordState()).ephemerals.find((e) => e.interactionId === payload.id));
    expect(refusal.message).toMatchObject({ flags: 64, content: expect.stringMatching(/^Not allowed: you may not approve or deny deploy here/) });
    // Only the person who pressed sees it: the channel has no new message.
    expect((await discordState()).channels[channelId]!.some((m) => m.content.startsWith("Not allowed"))).toBe(false);
    const still = await snapshot(key);
    expect(still.parked).toBe(1);
    expect(deploysOf(service)).toEqual([]);
    expect((await request(channelId)).components).toHaveLength(1);
  });

  it("a double click and a redelivered interaction change nothing", async () => {
    await parkedOn(key);
    const shown = await request(channelId);
    const first = await press(channelId, ADMIN, "approve", shown);
    expect(await first.response.json()).toEqual({ type: 6 });
    expect(await (await postInteraction(first.payload)).json()).toEqual({ type: 6 });
    await settled(key);
    // A second click on the buttons as they were still shown: only the person who clicked is told.
    const late = await press(channelId, ADMIN, "deny", shown);
    expect(await late.response.json()).toEqual({ type: 4, data: { content: "Nothing to do: this request was already decided.", flags: 64, allowed_mentions: { parse: [] } } });
    expect(deploysOf(service)).toEqual([{ service, calls: 1, replays: 0 }]);
    expect(await answers(channelId)).toEqual([`Deployed ${service}.`]);
    expect((await requestMessage(channelId))?.content).toContain("✅ Approved by Ada");
  });

  it("nobody answers: the request expires as denied and shows it", async () => {
    await expireUnanswered(key);
    const done = await settled(key);
    expect(done.last?.reply).toBe("Not deployed: deploy did not run: nobody approved it before the request expired.");
    expect(deploysOf(service)).toEqual([]);
    const expired = await waitFor("the outcome on the request", async () => {
      const message = await requestMessage(channelId);
      return message?.content.includes("Expired") ? message : null;
    });
    expect(expired.components).toEqual([]);
  });
});

describe("approval gates in a Discord thread: a mention's request is asked, decided and resolved in the thread started from it", () => {
  afterAll(async () => {
    await gatewayAdmin("stop");
  });

  it("the buttons are in the thread; a refusal there is ephemeral, an approval there decides, and the answer follows in the thread", async () => {
    await gatewayConnected();
    const channelId = `9${String(Date.now()).slice(-9)}${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
    const service = `svc-${crypto.randomUUID().slice(0, 6)}`;
    const asked = await mention(channelId, `deploy ${service}`);
    await parkedOn(asked.key);
    const thread = asked.threadId;
    const shown = await request(thread);
    expect(shown.content).toContain(`asks for approval to deploy *${service}* to production`);

    const refused = await press(thread, MEMBER, "approve", shown, channelId);
    expect(await refused.response.json()).toEqual({ type: 6 });
    const note = await waitFor("the ephemeral refusal", async () => (await discordState()).ephemerals.find((e) => e.interactionId === refused.payload.id));
    expect(note.channelId).toBe(thread);
    expect((await snapshot(asked.key)).parked).toBe(1);

    await press(thread, ADMIN, "approve", shown, channelId);
    const done = await settled(asked.key);
    expect(done.last).toMatchObject({ status: "done", reply: `Deployed ${service}.` });
    expect(deploysOf(service)).toEqual([{ service, calls: 1, replays: 0 }]);
    await waitFor("the outcome on the request", async () => (await requestMessage(thread))?.content.includes("Approved by Ada"));
    const inThread = (await discordState()).channels[thread]!.filter((m) => m.author.id === TEST_DISCORD.applicationId).map((m) => m.content);
    expect(inThread).toEqual([expect.stringContaining("✅ Approved by Ada"), `Deployed ${service}.`]);
    // The channel holds the person's message only: everything the bot said is in the thread.
    expect((await discordState()).channels[channelId]!.map((m) => m.author.id)).toEqual([expect.not.stringMatching(TEST_DISCORD.applicationId)]);
  });
});
