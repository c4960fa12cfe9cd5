import { createOpenAI } from "@ai-sdk/openai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { embeddedModel } from "../agents/triage/embedded-model.ts";
import { channels } from "../channels/index.ts";
import { ConfigError, CoreConfig, loadConfig } from "../src/config.ts";
import { MemoryJournal } from "../src/harness/journal.ts";
import { defineTool } from "../src/harness/tools.ts";
import { testToolContext } from "./support/tools.ts";
import { runTurn } from "../src/harness/turn.ts";
import { resolveModel } from "../src/models/index.ts";

describe("model selection", () => {
  it("uses the embedded offline model when MODEL is unset", () => {
    expect(resolveModel(CoreConfig.parse({ BOT_NAME: "bot" }), embeddedModel)).toBe(embeddedModel);
  });

  it("builds AI SDK providers from MODEL=<provider>:<model id>", () => {
    const openai = resolveModel(CoreConfig.parse({ BOT_NAME: "bot", MODEL: "openai:gpt-4.1-mini", OPENAI_API_KEY: "k" }), embeddedModel);
    expect([openai.specificationVersion, openai.modelId]).toEqual(["v4", "gpt-4.1-mini"]);
    const claude = resolveModel(
      CoreConfig.parse({ BOT_NAME: "bot", MODEL: "anthropic:claude-sonnet-4-5", ANTHROPIC_API_KEY: "k" }),
      embeddedModel,
    );
    expect(claude.modelId).toBe("claude-sonnet-4-5");
    expect(claude.provider).toMatch(/anthropic/);
  });

  it("names the missing key, never a value", () => {
    expect(() => loadConfig({ BOT_NAME: "bot", MODEL: "openai:gpt-4.1" }, channels)).toThrowError(
      new ConfigError(["OPENAI_API_KEY: required for MODEL=openai:…"]),
    );
    expect(() => loadConfig({ BOT_NAME: "bot", MODEL: "llama" }, channels)).toThrowError(/MODEL: must be embedded/);
  });

  it("a real provider drives the same tool loop: tool call, tool result, answer", async () => {
    // OpenAI's Chat Completions wire format, answered locally: first a tool call, then text.
    const requests: { messages: { role: string }[]; tools?: { function: { name: string } }[] }[] = [];
    const completion = (message: object, finish: string) =>
      Response.json({
        id: `chatcmpl-${requests.length}`,
        object: "chat.completion",
        created: 1_763_800_000,
        model: "gpt-4.1-mini",
        choices: [{ index: 0, message: { role: "assistant", ...message }, finish_reason: finish }],
        usage: { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 },
      });
    const provider = createOpenAI({
      apiKey: "test",
      baseURL: "https://llm.test/v1",
      fetch: async (_url, init) => {
        requests.push(JSON.parse(String(init?.body)));
        return requests.length === 1
          ? completion(
              { content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "list_labels", arguments: "{}" } }] },
              "tool_calls",
            )
          : completion({ content: "Labelled as a bug." }, "stop");
      },
    });
    const replies: string[] = [];
    const result = await runTurn({
      model: provider.chat("gpt-4.1-mini"),
      instructions: "triage",
      history: [],
      prompt: { role: "user", content: [{ type: "text", text: "It crashes" }] },
      tools: {
        list_labels: defineTool({ name: "list_labels", description: "labels", inputSchema: z.object({}), execute: async () => ["bug", "enhancement"] }),
      },
      toolContext: (effect) => testToolContext(effect),
      outbound: { reply: async (text) => (replies.push(text), { id: "1" }) },
      journal: new MemoryJournal(),
      turnKey: "t",
      maxSteps: 6,
    });
    expect(result).toMatchObject({ reply: "Labelled as a bug.", modelCalls: 2, capped: false });
    expect(replies).toEqual(["Labelled as a bug."]);
    expect(requests[0]!.tools?.map((tool) => tool.function.name)).toEqual(["list_labels"]);
    expect(requests[1]!.messages.map((message) => message.role)).toEqual(["system", "user", "assistant", "tool"]);
  });
});
