import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4Content } from "@ai-sdk/provider";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { EffectContext } from "../src/channel.ts";
import { MemoryJournal } from "../src/harness/journal.ts";
import { defineTool } from "../src/harness/tools.ts";
import { runTurn, type TurnInput } from "../src/harness/turn.ts";
import { testToolContext } from "./support/tools.ts";

/** A scripted model: answers each call with the next entry, and counts its calls. */
function scriptedModel(script: LanguageModelV4Content[][]) {
  const seen: LanguageModelV4CallOptions[] = [];
  const model: LanguageModelV4 = {
    specificationVersion: "v4",
    provider: "test",
    modelId: "scripted",
    supportedUrls: {},
    async doGenerate(options) {
      seen.push(options);
      const content = script[Math.min(seen.length - 1, script.length - 1)]!;
      return {
        content,
        finishReason: { unified: content.some((c) => c.type === "tool-call") ? "tool-calls" : "stop", raw: undefined },
        usage: { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } },
        warnings: [],
      } as Awaited<ReturnType<LanguageModelV4["doGenerate"]>>;
    },
    async doStream() {
      throw new Error("not used");
    },
  };
  return { model, seen };
}

const call = (toolName: string, input: unknown, id = toolName): LanguageModelV4Content => ({
  type: "tool-call",
  toolCallId: id,
  toolName,
  input: JSON.stringify(input),
});
const text = (value: string): LanguageModelV4Content => ({ type: "text", text: value });

class Crash extends Error {}

function fixture() {
  const effects: { tool: string; effect: EffectContext }[] = [];
  const replies: { text: string; effect: EffectContext }[] = [];
  const { model, seen } = scriptedModel([
    [call("lookup", { q: "labels" })],
    [call("apply", { labels: ["bug"] })],
    [text("Triaged as a bug.")],
  ]);
  const base: Omit<TurnInput, "journal"> = {
    model,
    instructions: "triage",
    history: [],
    prompt: { role: "user", content: [{ type: "text", text: "it crashes" }] },
    tools: {
      lookup: defineTool({
        name: "lookup",
        description: "look something up",
        inputSchema: z.object({ q: z.string() }),
        async execute(input, { idempotencyKey, replay }) {
          effects.push({ tool: "lookup", effect: { idempotencyKey, replay } });
          return ["bug", "enhancement"];
        },
      }),
      apply: defineTool({
        name: "apply",
        description: "apply labels",
        inputSchema: z.object({ labels: z.array(z.string()) }),
        async execute(input, { idempotencyKey, replay }) {
          effects.push({ tool: "apply", effect: { idempotencyKey, replay } });
          return { added: input.labels };
        },
      }),
    },
    toolContext: (effect) => testToolContext(effect),
    outbound: {
      async reply(value, effect) {
        replies.push({ text: value, effect });
        return { id: `comment-${replies.length}` };
      },
    },
    turnKey: "delivery-1",
    maxSteps: 10,
  };
  return { base, effects, replies, seen };
}

describe("durable turn harness", () => {
  it("runs model → tools → reply and journals every step", async () => {
    const { base, effects, replies, seen } = fixture();
    const journal = new MemoryJournal();
    const result = await runTurn({ ...base, journal });
    expect(result.reply).toBe("Triaged as a bug.");
    expect(seen).toHaveLength(3);
    expect(effects.map((e) => e.tool)).toEqual(["lookup", "apply"]);
    expect(replies).toHaveLength(1);
    expect([...journal.entries.values()].map((e) => `${e.kind}:${e.name}`)).toEqual([
      "model:scripted",
      "tool:lookup",
      "model:scripted",
      "tool:apply",
      "model:scripted",
      "reply:reply",
    ]);
    // The model saw the tool result of the step before.
    const lastPrompt = seen[2]!.prompt;
    expect(lastPrompt.at(-1)).toMatchObject({ role: "tool", content: [{ toolName: "apply", output: { type: "json" } }] });
  });

  for (let crashAfter = 0; crashAfter < 6; crashAfter++) {
    it(`a crash after step ${crashAfter} re-runs with no model call or side effect repeated`, async () => {
      const { base, effects, replies, seen } = fixture();
      const journal = new MemoryJournal();
      await expect(
        runTurn({
          ...base,
          journal,
          onStep: (step) => {
            if (step.step === crashAfter && !step.replayed) throw new Crash();
          },
        }),
      ).rejects.toBeInstanceOf(Crash);
      const result = await runTurn({ ...base, journal });
      expect(result.reply).toBe("Triaged as a bug.");
      expect(result.replayedSteps).toBe(crashAfter + 1);
      expect(seen).toHaveLength(3);
      expect(effects.map((e) => e.tool)).toEqual(["lookup", "apply"]);
      expect(replies).toHaveLength(1);
      expect(effects.every((e) => !e.effect.replay)).toBe(true);
    });
  }

  it("re-runs a step that crashed mid-flight as a replay, with the same idempotency key", async () => {
    const { base, effects, replies } = fixture();
    const journal = new MemoryJournal();
    let crashed = false;
    const flaky = {
      ...base.outbound,
      async reply(value: string, effect: EffectContext) {
        await base.outbound.reply(value, effect);
        if (!crashed) {
          crashed = true;
          throw new Crash(); // posted, but the process died before the journal write
        }
        return { id: "comment-again" };
      },
    };
    await expect(runTurn({ ...base, outbound: flaky, journal })).rejects.toBeInstanceOf(Crash);
    await runTurn({ ...base, outbound: flaky, journal });
    expect(replies.map((r) => r.effect)).toEqual([
      { idempotencyKey: "delivery-1:5", replay: false },
      { idempotencyKey: "delivery-1:5", replay: true },
    ]);
    expect(effects).toHaveLength(2);
  });

  it("gives unknown tools and invalid input back to the model as errors", async () => {
    const { base } = fixture();
    const { model, seen } = scriptedModel([
      [call("nope", {})],
      [call("apply", { labels: "bug" })],
      [text("done")],
    ]);
    const result = await runTurn({ ...base, model, journal: new MemoryJournal() });
    expect(result.reply).toBe("done");
    const outputs = seen.slice(1).map((options) => (options.prompt.at(-1)!.content[0] as { output: unknown }).output);
    expect(outputs[0]).toEqual({ type: "error-text", value: 'unknown tool "nope"' });
    expect(outputs[1]).toMatchObject({ type: "error-text" });
  });

  it("ends at the step cap instead of looping forever", async () => {
    const { base } = fixture();
    const { model, seen } = scriptedModel([[call("lookup", { q: "again" })]]);
    const result = await runTurn({ ...base, model, maxSteps: 5, journal: new MemoryJournal() });
    expect(result.capped).toBe(true);
    // Model calls at steps 0, 2, 4; their tool calls at 1, 3, 5; then the reply saying so.
    expect(result.steps).toBe(7);
    expect(seen).toHaveLength(3);
    expect(result.reply).toMatch(/stopped after 5 steps/);
  });

  it("rethrows transient tool failures so the turn is retried", async () => {
    const { base } = fixture();
    const busy = Object.assign(new Error("secondary rate limit"), { status: 503 });
    const tools = {
      ...base.tools,
      lookup: defineTool({
        name: "lookup",
        description: "fails",
        inputSchema: z.object({ q: z.string() }),
        async execute() {
          throw busy;
        },
      }),
    };
    await expect(runTurn({ ...base, tools, journal: new MemoryJournal() })).rejects.toBe(busy);
  });
});
