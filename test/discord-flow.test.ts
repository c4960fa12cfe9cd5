import { describe, expect, it } from "vitest";
import { injectFault } from "./support/emulator.ts";
import { channelMessages, discordCalls, isChannelPost, postInteraction, settled, slashCommand } from "./support/discord.ts";

const BUG = "The app crashes with TypeError when I click save. Steps to reproduce: open settings, click save. Expected: saved. Actual: crash.";

async function originalEdits(applicationToken: string) {
  // Recorded paths keep the token; match on it to stay within this test's interaction.
  return (await discordCalls(applicationToken)).filter((call) => call.method === "PATCH" && call.path.endsWith("/messages/@original"));
}

// What every channel does (one reply in place, duplicates, crashes, 429, signatures, its own
// messages, conversation keys) is test/contract's; this file holds what only Discord does.
describe("Discord /triage: deferred within 3 s, answered by editing the deferred response", () => {
  it("answers type 5 within 3 s, then fills in @original with the triage as it grows, pinging no one, with no channel message", async () => {
    const command = await slashCommand(BUG);
    const started = Date.now();
    const response = await postInteraction(command.payload);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ type: 5 });

    await settled(command.key);
    // The deferred response grows as the answer streams, then holds the whole answer.
    const edits = await originalEdits(command.token);
    expect(edits.length).toBeGreaterThanOrEqual(1);
    expect(edits.every((call) => call.status === 200)).toBe(true);
    for (const call of edits) expect((call.body as { allowed_mentions: unknown }).allowed_mentions).toEqual({ parse: [] });
    const messages = await channelMessages(command.channelId);
    expect(messages[0]!.content).toMatch(/bug report/);
    expect(messages[0]!.webhook_id).toBeDefined();
    // No follow-up and no channel message besides the deferred response.
    expect((await discordCalls(command.channelId)).filter(isChannelPost)).toHaveLength(0);
  });

  it("after the 15-minute token life the answer becomes a channel message (nonce + enforce_nonce), 429 included", async () => {
    const command = await slashCommand(BUG, { ageMs: 16 * 60_000 });
    await injectFault({ platform: "discord", method: "POST", pathPattern: `/channels/${command.channelId}/messages$`, kind: "status", status: 429, retryAfter: 1 });
    // Signed now; Discord's interaction id (a snowflake) says it was created 16 minutes ago.
    expect(await (await postInteraction(command.payload)).json()).toEqual({ type: 5 });
    await settled(command.key);
    const posts = (await discordCalls(command.channelId)).filter(isChannelPost);
    expect(posts.map((call) => call.status)).toEqual([429, 200]);
    const body = posts[1]!.body as { nonce: string; enforce_nonce: boolean; allowed_mentions: unknown };
    expect(body.nonce.length).toBeLessThanOrEqual(25);
    expect(body).toMatchObject({ enforce_nonce: true, allowed_mentions: { parse: [] } });
    expect(await originalEdits(command.token)).toHaveLength(0);
    expect(await channelMessages(command.channelId)).toHaveLength(1);
  });
});

describe("Discord outbound: nonce makes a repeated channel message a no-op; long answers are split", () => {
  it("re-sending the same nonce with enforce_nonce returns the first message instead of a second", async () => {
    const { discordOutbound } = await import("../channels/discord/outbound.ts");
    const { DiscordConfig } = await import("../channels/discord/config.ts");
    const { env } = await import("cloudflare:workers");
    const config = DiscordConfig.parse(env);
    const channelId = (await slashCommand("x")).channelId;
    const outbound = discordOutbound({ channelId }, config);
    const first = await outbound.reply("hello once", { idempotencyKey: "turn-1:2", replay: false });
    const again = await outbound.reply("hello once", { idempotencyKey: "turn-1:2", replay: true });
    expect(again.id).toBe(first.id);
    expect(await channelMessages(channelId)).toHaveLength(1);

    const long = ["```ts", ...Array.from({ length: 150 }, (_, i) => `const line${i} = "${"x".repeat(20)}";`), "```"].join("\n");
    await outbound.reply(long, { idempotencyKey: "turn-2:4", replay: false });
    const parts = (await channelMessages(channelId)).slice(1).map((m) => m.content);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(2000);
      expect(part.match(/```/g)?.length ?? 0).toBe(2);
    }
    expect(parts.join("\n").match(/const line\d+/g)).toHaveLength(150);
  });
});
