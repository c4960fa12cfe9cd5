import { runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { costOf } from "../../src/pricing.ts";
import { TEST_SLACK } from "../env.ts";
import { conversation, settled } from "../support/agents.ts";
import { waitFor } from "../support/emulator.ts";
import { eventCallback, mentionEvent, newTs, postEvent, uniqueChannel } from "../support/slack.ts";
import { ticks } from "./spender-agents.ts";
import type { ConversationAgent } from "./worker.ts";

const keyOf = (channel: string, ts: string, team: string = TEST_SLACK.teamId) => `slack:${team}:${channel}:${ts}`;

async function mention(channel: string, text: string, ts = newTs(), team?: string) {
  const event = eventCallback(mentionEvent(channel, text, ts), team ? { team_id: team, authorizations: [{ team_id: team, user_id: TEST_SLACK.botUserId, is_bot: true }] } : {});
  if (team) (event.event as { team: string }).team = team;
  expect((await postEvent(event)).status).toBe(200);
  return keyOf(channel, ts, team);
}

async function journal(key: string) {
  return runInDurableObject(await conversation(key), (_instance: ConversationAgent, state) =>
    state.storage.sql.exec<{ seq: number; step: number; kind: string; name: string; output: string | null }>("SELECT seq, step, kind, name, output FROM sb_journal ORDER BY seq, step").toArray(),
  );
}

describe("usage: every model step's tokens, per turn and per day, with a cost", () => {
  it("each model step records its usage in the journal, and the turn and the day add them up", async () => {
    const channel = uniqueChannel("CNOTES");
    const key = await mention(channel, "remember: usage counts");
    const state = await settled(key);
    const steps = await journal(key);
    const models = steps.filter((step) => step.kind === "model").map((step) => JSON.parse(step.output!) as { usage: { inputTokens: number; outputTokens: number } });
    expect(models).toHaveLength(2);
    for (const { usage } of models) expect(usage.inputTokens).toBeGreaterThan(0);
    const total = models.reduce((sum, { usage }) => ({ input: sum.input + usage.inputTokens, output: sum.output + usage.outputTokens }), { input: 0, output: 0 });
    expect(state.last?.usage).toEqual({ inputTokens: total.input, outputTokens: total.output, usd: 0 });
    expect(state.today).toMatchObject({ inputTokens: total.input, outputTokens: total.output });
  });

  it("a cost comes from the price table: input, cached input and output at their own rates", () => {
    const prices = { "openai:gpt-test": { inputPerMillion: 2, cachedInputPerMillion: 0.5, outputPerMillion: 8 } };
    expect(costOf(prices, { provider: "openai.chat", modelId: "gpt-test" }, { inputTokens: 1_000_000, cachedInputTokens: 400_000, outputTokens: 500_000 })).toBeCloseTo(1.2 + 0.2 + 4);
    expect(costOf(prices, { provider: "anthropic.messages", modelId: "claude-x" }, { inputTokens: 10, cachedInputTokens: 0, outputTokens: 10 })).toBeNull();
    expect(costOf({}, { provider: "switchboard", modelId: "embedded-triage" }, { inputTokens: 10, cachedInputTokens: 0, outputTokens: 10 })).toBe(0);
  });

  it("/health shows today's totals across conversations, and nothing of their content", async () => {
    const key = await mention(uniqueChannel("CNOTES"), "remember: the vault code is 0000");
    await settled(key);
    const health = await waitFor("the ledger to be charged", async () => {
      const body = (await (await exports.default.fetch(new Request("https://switchboard.test/health"))).json()) as { usage: { turns: number; inputTokens: number } };
      return body.usage.turns > 0 ? body : null;
    });
    expect(health.usage).toMatchObject({ day: new Date().toISOString().slice(0, 10), turns: expect.any(Number), inputTokens: expect.any(Number), outputTokens: expect.any(Number), usd: expect.any(Number) });
    expect(JSON.stringify(health)).not.toContain("vault");
  });
});

describe("budgets: one clear reply, and no further model call", () => {
  it("a turn over its token budget stops before its next model call", async () => {
    const channel = uniqueChannel("CTURN");
    const key = await mention(channel, "go");
    const state = await settled(key);
    expect(state.last).toMatchObject({ status: "done", modelCalls: 1, reply: "I stopped here: this answer reached its budget of 1 tokens." });
    expect(ticks.get(key)).toBe(1);
  });

  it("a conversation over its daily budget answers with the reason and calls no model; the next day it runs again", async () => {
    const channel = uniqueChannel("CDAY");
    const root = newTs();
    const key = await mention(channel, "first", root);
    expect((await settled(key)).last).toMatchObject({ modelCalls: 1, reply: expect.stringContaining("daily budget of 1 tokens") });
    // A reply in the same thread is the same conversation.
    const again = eventCallback({ ...mentionEvent(channel, "again?"), thread_ts: root });
    expect((await postEvent(again)).status).toBe(200);
    const second = await waitFor("the second turn", async () => {
      const state = await settled(key);
      return state.turns.done === 2 ? state : null;
    });
    expect(second.last).toMatchObject({ modelCalls: 0, reply: "I stopped here: this conversation reached its daily budget of 1 tokens. It resets at 00:00 UTC." });
    expect(ticks.get(key)).toBe(1);

    // Midnight UTC passes.
    await runInDurableObject(await conversation(key), (_instance: ConversationAgent, state) => {
      state.storage.sql.exec("UPDATE sb_usage SET day = '2000-01-01'");
    });
    expect((await postEvent(eventCallback({ ...mentionEvent(channel, "new day"), thread_ts: root }))).status).toBe(200);
    const third = await waitFor("the third turn", async () => {
      const state = await settled(key);
      return state.turns.done === 3 ? state : null;
    });
    expect(third.last?.modelCalls).toBe(1);
    expect(ticks.get(key)).toBe(2);
  });

  it("a workspace over its daily budget stops its other conversations too; another workspace is not affected", async () => {
    const team = `T0W${crypto.randomUUID().replace(/-/g, "").slice(0, 8).toUpperCase()}`;
    const first = await mention(uniqueChannel("CWKSP"), "one", newTs(), team);
    expect((await settled(first)).last?.modelCalls).toBe(1);
    // The workspace's ledger is charged when the turn ends, off its path.
    const second = await waitFor("the ledger to stop the next conversation", async () => {
      const key = await mention(uniqueChannel("CWKSP"), "two", newTs(), team);
      const state = await settled(key);
      return state.last?.modelCalls === 0 ? state : null;
    });
    expect(second.last?.reply).toBe("I stopped here: this workspace reached its daily budget of 1 tokens. It resets at 00:00 UTC.");
    const other = await mention(uniqueChannel("CWKSP"), "three", newTs(), `T0V${crypto.randomUUID().replace(/-/g, "").slice(0, 8).toUpperCase()}`);
    expect((await settled(other)).last?.modelCalls).toBe(1);
  });
});

describe("a trace of every turn", () => {
  it("the turn's spans hold exactly the steps the journal holds, with durations, and no message text", async () => {
    const text = "remember: the launch code word is pelican";
    const key = await mention(uniqueChannel("CNOTES"), text);
    const state = await settled(key);
    const spans = state.last!.spans!;
    const [root, ...steps] = spans;
    expect(root).toMatchObject({ parent: null, name: "invoke_agent notes", attributes: { "gen_ai.agent.name": "notes", "switchboard.conversation_key": key } });
    const journaled = (await journal(key)).filter((step) => step.seq === state.last!.seq);
    const byStep = [...steps].sort((a, b) => Number(a.attributes["switchboard.step"]) - Number(b.attributes["switchboard.step"]));
    expect(byStep.map((span) => [span.attributes["switchboard.step"], span.name])).toEqual(
      journaled.map((step) => [step.step, step.kind === "model" ? `chat ${step.name}` : step.kind === "tool" ? `execute_tool ${step.name}` : `switchboard.${step.kind}`]),
    );
    for (const span of steps) {
      // The live reply opens inside the model call whose first words it shows.
      expect(span.parent === root!.id || spans[span.parent!]!.parent === root!.id).toBe(true);
      expect(span.durationMs).toBeGreaterThanOrEqual(0);
      expect(span.attributes["switchboard.dedupe_id"]).toBeTruthy();
    }
    expect(steps.find((span) => span.name.startsWith("chat"))!.attributes).toMatchObject({ "gen_ai.request.model": "note-taker", "gen_ai.usage.input_tokens": expect.any(Number), "gen_ai.response.finish_reasons": "tool-calls" });
    expect(JSON.stringify(spans)).not.toContain("pelican");
  });
});
