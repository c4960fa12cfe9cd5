import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4Content, LanguageModelV4StreamPart } from "@ai-sdk/provider";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { EffectContext, LiveReply } from "../src/channel.ts";
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

describe("live replies: the answer grows in place, and a re-run finishes the same message", () => {
  /** A model that streams: each step's text in two pieces, then its tool calls. */
  function streamingModel(script: LanguageModelV4Content[][]) {
    let calls = 0;
    const model: LanguageModelV4 = {
      specificationVersion: "v4",
      provider: "test",
      modelId: "streaming",
      supportedUrls: {},
      async doGenerate() {
        throw new Error("a live reply streams");
      },
      async doStream() {
        const content = script[Math.min(calls++, script.length - 1)]!;
        const parts: LanguageModelV4StreamPart[] = [];
        for (const part of content) {
          if (part.type === "text") {
            const half = Math.ceil(part.text.length / 2);
            parts.push({ type: "text-delta", id: "t", delta: part.text.slice(0, half) }, { type: "text-delta", id: "t", delta: part.text.slice(half) });
          } else if (part.type === "tool-call") parts.push(part);
        }
        parts.push({
          type: "finish",
          usage: { inputTokens: { total: 3, noCache: 3, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 2, text: 2, reasoning: 0 } },
          finishReason: { unified: content.some((c) => c.type === "tool-call") ? "tool-calls" : "stop", raw: undefined },
        });
        return { stream: new ReadableStream({ start: (controller) => (parts.forEach((part) => controller.enqueue(part)), controller.close()) }) };
      },
    };
    return { model, calls: () => calls };
  }

  function liveOutbound() {
    const log: string[] = [];
    let opened = 0;
    const handle = (id: string): LiveReply => ({
      id,
      append: async (text) => void log.push(`append ${text}`),
      step: async (update) => void log.push(`step ${update.title} ${update.status}`),
      finish: async (markdown) => (log.push(`finish ${id} ${markdown}`), { id }),
    });
    const outbound: TurnInput["outbound"] = {
      reply: async (markdown) => (log.push(`reply ${markdown}`), { id: "plain" }),
      openLive: async () => handle(`live-${++opened}`),
      resumeLive: (id) => (log.push(`resume ${id}`), handle(id)),
    };
    return { outbound, log, opened: () => opened };
  }

  const script = [[text("Let me look. "), call("lookup", { q: "x" })], [text("Found it.")]];

  it("opens on the first words, shows the tool step under them, and finishes with the answer", async () => {
    const { model } = streamingModel(script);
    const { outbound, log } = liveOutbound();
    const { base } = fixture();
    const journal = new MemoryJournal();
    const result = await runTurn({ ...base, model, outbound, journal });
    expect(result.reply).toBe("Found it.");
    expect(log).toEqual([
      "append Let me ",
      "append look. ",
      "step Lookup in_progress",
      "step Lookup complete",
      "append Found",
      "append  it.",
      "finish live-1 Found it.",
    ]);
    // The live reply's id is journaled at the step reserved for it.
    expect(journal.read(0)).toEqual({ step: 0, kind: "stream", name: "open", output: { id: "live-1" } });
    expect(result.usage).toEqual({ inputTokens: 6, outputTokens: 4, cachedInputTokens: 0 });
  });

  it("a crash after the stream opened: the re-run finishes that same message and opens no other", async () => {
    const { model, calls } = streamingModel(script);
    const { outbound, log, opened } = liveOutbound();
    const { base } = fixture();
    const journal = new MemoryJournal();
    await expect(
      runTurn({ ...base, model, outbound, journal, onStep: (step) => { if (step.kind === "tool" && !step.replayed) throw new Crash(); } }),
    ).rejects.toBeInstanceOf(Crash);
    const result = await runTurn({ ...base, model, outbound, journal });
    expect(result.reply).toBe("Found it.");
    expect(opened()).toBe(1);
    expect(calls()).toBe(2);
    expect(log.filter((line) => line.startsWith("finish") || line.startsWith("resume"))).toEqual(["resume live-1", "finish live-1 Found it."]);
    expect(log.some((line) => line.startsWith("reply"))).toBe(false);
  });

  it("a channel without live replies gets one reply at the end", async () => {
    const { base, replies } = fixture();
    const result = await runTurn({ ...base, journal: new MemoryJournal() });
    expect(result.reply).toBe("Triaged as a bug.");
    expect(replies).toHaveLength(1);
  });
});
