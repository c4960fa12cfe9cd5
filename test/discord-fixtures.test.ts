import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { GatewayMessageCreateDispatchData } from "discord-api-types/v10";
import { afterAll, describe, expect, inject, it } from "vitest";
import type { ConversationAgent } from "../src/worker.ts";
import { DiscordConfig } from "../channels/discord/config.ts";
import { routeGatewayMessage } from "../channels/discord/normalize.ts";
import { conversation, settled } from "./support/agents.ts";
import { waitFor } from "./support/emulator.ts";
import { control, gatewayAdmin, gatewayStatus, postInteraction } from "./support/discord.ts";

const fixtures = inject("discordFixtures");
const config = DiscordConfig.parse(env);
const GUILD = "1457468924290662599";
const CHANNEL = "1457510428359004343";
/** The thread the recorded bot started from the first mention: its id is that message's. */
const THREAD = "1457536551830421524";
const THREAD_KEY = `discord:${GUILD}:${CHANNEL}:${THREAD}`;

type Expected =
  | { route: "deliver"; key: string; kind: "mention" | "message"; addressed: boolean; text?: string }
  | { route: "skip"; reason: RegExp }
  | { route: "not-a-message" };

/** How every recorded Gateway payload must be routed. A new recording without an entry fails the test. */
const gateway: Record<string, Expected> = {
  // Each mention in a channel is a conversation of its own, in the thread started from it: the
  // recorded thread's id is the first mention's, so its messages below share that key.
  "discord.json#gatewayMention": { route: "deliver", key: THREAD_KEY, kind: "mention", addressed: true, text: "Hey" },
  "discord.json#gatewayAIMention": { route: "deliver", key: `discord:${GUILD}:${CHANNEL}:1457536647464747051`, kind: "mention", addressed: true, text: "AI What is love" },
  // The configured role (DISCORD_MENTION_ROLE_IDS) addresses the bot.
  "discord.json#gatewayRoleMention": { route: "deliver", key: `discord:${GUILD}:${CHANNEL}:1457536600000000001`, kind: "mention", addressed: true, text: "AI Still there?" },
  // Thread messages without a mention reach the thread's conversation, which answers only if the bot takes part.
  "discord.json#gatewaySubscribedMessage": { route: "deliver", key: THREAD_KEY, kind: "message", addressed: false, text: "Hey" },
  "discord.json#gatewayDMRequest": { route: "deliver", key: THREAD_KEY, kind: "message", addressed: false, text: "DM me" },
  "discord.json#gatewayThreadUserHey": { route: "deliver", key: THREAD_KEY, kind: "message", addressed: false },
  "discord.json#gatewayThreadDMRequest": { route: "deliver", key: THREAD_KEY, kind: "message", addressed: false },
  "discord.json#gatewayThreadNum1": { route: "deliver", key: THREAD_KEY, kind: "message", addressed: false, text: "1" },
  "discord.json#gatewayThreadNice": { route: "deliver", key: THREAD_KEY, kind: "message", addressed: false, text: "Nice" },
  "discord.json#gatewayBotWelcome": { route: "skip", reason: /by the bot itself/ },
  "discord.json#gatewayThreadWelcome": { route: "skip", reason: /by the bot itself/ },
  "discord.json#gatewayReactionAdd": { route: "not-a-message" },
  "discord.json#gatewayThreadCreate": { route: "not-a-message" },
  "channel/discord.json#mention": { route: "deliver", key: `discord:${GUILD}:1459213904352645277:1473118766652199044`, kind: "mention", addressed: true, text: "Test" },
};

/** The recorded threads, as the Gateway object knows them from their THREAD_CREATE. */
const threads = new Map(
  fixtures.flatMap((fixture) =>
    fixture.kind === "gateway" && fixture.event === "THREAD_CREATE" ? [[String(fixture.payload.id), { type: Number(fixture.payload.type), parentId: String(fixture.payload.parent_id) }] as const] : [],
  ),
);

async function inbox(key: string): Promise<string[]> {
  const agent = await conversation(key);
  return runInDurableObject(agent, (instance: ConversationAgent) =>
    (instance as unknown as { ctx: DurableObjectState }).ctx.storage.sql
      .exec<{ dedupe_id: string }>("SELECT dedupe_id FROM sb_inbox")
      .toArray()
      .map((row) => row.dedupe_id),
  );
}

describe("every recorded Discord payload (vercel-chat-replay)", () => {
  it("the recordings are there: interactions and Gateway dispatches", () => {
    expect(fixtures.filter((f) => f.kind === "interaction").length).toBeGreaterThanOrEqual(7);
    expect(fixtures.filter((f) => f.kind === "gateway").length).toBe(Object.keys(gateway).length);
  });

  it("Gateway MESSAGE_CREATE data is routed as expected (mentions, role mention, threads, the bot's own)", () => {
    for (const fixture of fixtures) {
      if (fixture.kind !== "gateway") continue;
      const id = `${fixture.file}#${fixture.name}`;
      const expected = gateway[id];
      expect(expected, `no expectation for ${id}`).toBeDefined();
      if (expected!.route === "not-a-message") {
        expect(fixture.event, id).not.toBe("MESSAGE_CREATE");
        continue;
      }
      expect(fixture.event, id).toBe("MESSAGE_CREATE");
      const routed = routeGatewayMessage(fixture.payload as unknown as GatewayMessageCreateDispatchData, config, { channel: (id) => threads.get(id) });
      if (expected!.route === "skip") {
        expect(routed, id).toEqual({ route: "skip", reason: expect.stringMatching(expected!.reason) });
        continue;
      }
      expect(routed.route, id).toBe("deliver");
      if (routed.route !== "deliver") continue;
      expect(routed.event, id).toMatchObject({
        channel: "discord",
        dedupeId: fixture.payload.id,
        conversationKey: expected!.key,
        kind: expected!.kind,
        addressedToBot: expected!.addressed,
        actor: { id: "1033044521375764530", isBot: false, isSelf: false },
      });
      // A mention in the channel is answered in the thread started from it (whose id is its own); a thread message, in the thread.
      const inThread = fixture.payload.channel_type === 11;
      expect(routed.event.replyTo, id).toEqual(
        inThread
          ? { channelId: fixture.payload.channel_id, messageId: fixture.payload.id }
          : { channelId: fixture.payload.id, messageId: fixture.payload.id, startThread: { parentId: fixture.payload.channel_id, name: expect.stringMatching(/\S/) } },
      );
      if (expected!.text !== undefined) expect(routed.event.text, id).toBe(expected!.text);
    }
  });

  it("dispatched over the fake Gateway, each lands in its conversation (or nowhere) without error", async () => {
    await gatewayAdmin("stop");
    await gatewayAdmin("start");
    await waitFor("the gateway", async () => (await gatewayStatus()).state === "connected");
    // In the order Discord sent them: the thread is announced (THREAD_CREATE) before its messages,
    // and the bot has answered each mention before the next event, as in the recording.
    const recorded = fixtures.filter((fixture) => fixture.kind === "gateway").sort((a, b) => (a.recordedAt ?? 0) - (b.recordedAt ?? 0));
    for (const fixture of recorded) {
      const sent = (await control("/gateway/dispatch", { t: fixture.event, d: fixture.payload })) as { s: number };
      await waitFor("the dispatch to be handled", async () => ((await gatewayStatus()).seq ?? 0) >= sent.s);
      const expected = gateway[`${fixture.file}#${fixture.name}`];
      if (expected?.route === "deliver" && expected.addressed) await settled(expected.key);
    }
    for (const [id, expected] of Object.entries(gateway)) {
      if (expected.route !== "deliver") continue;
      const fixture = fixtures.find((f) => `${f.file}#${f.name}` === id)!;
      const ids = await inbox(expected.key);
      // Addressed messages are in the inbox, and so is the chatter in the thread of the first
      // mention: the bot answered that mention there, so it takes part in the thread.
      expect(ids.includes(String(fixture.payload.id)), id).toBe(expected.addressed || expected.key === THREAD_KEY);
    }
    expect((await gatewayStatus()).state).toBe("connected");
  });

  it("every interaction is verified, acknowledged the way Discord expects, and routed to the message's conversation", async () => {
    for (const fixture of fixtures) {
      if (fixture.kind !== "interaction") continue;
      const payload = fixture.payload as { id: string; type: number; guild_id?: string; channel_id: string; channel?: { type?: number; parent_id?: string } };
      const response = await postInteraction(payload);
      expect(response.status, fixture.name).toBe(200);
      // Buttons on the bot's message: a deferred update (type 6), never a 5xx.
      expect(await response.json(), fixture.name).toEqual({ type: 6 });
      // A press in a thread belongs to the thread's conversation, named under its channel.
      const parent = payload.channel?.type === 11 ? `:${payload.channel.parent_id}` : "";
      const key = `discord:${payload.guild_id ?? "@me"}${parent}:${payload.channel_id}`;
      expect(await inbox(key), fixture.name).toContain(payload.id);
    }
  });
});

afterAll(async () => {
  await gatewayAdmin("stop");
});
