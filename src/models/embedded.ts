import type { JSONValue, LanguageModelV4, LanguageModelV4GenerateResult, LanguageModelV4Message } from "@ai-sdk/provider";
import { PROMPT_EVENT_KEY, type PromptEvent } from "../agent.ts";

/** A tool result as an embedded model sees it: its value, or the error the tool reported. */
export type ToolOutcome = { readonly ok: true; readonly value: JSONValue } | { readonly ok: false; readonly error: string };

/** What an embedded model decides each step from. */
export interface EmbeddedTurn {
  /** The event this turn answers. */
  readonly event: PromptEvent;
  /** The tools that already ran in this turn, by name (the latest result of each). */
  readonly results: ReadonlyMap<string, ToolOutcome>;
  /** The agent's earlier answers in this conversation, oldest first. */
  readonly history: readonly string[];
  /** True when the tool is offered in this conversation and has not run yet in this turn. */
  need(tool: string): boolean;
}

/** One step: call a tool, or answer (which ends the turn). */
export type EmbeddedDecision = { readonly tool: string; readonly input: Record<string, JSONValue> } | { readonly text: string };

/**
 * An offline, deterministic stand-in for a language model: it drives the same tool loop a real
 * model would, deciding each step in code from the event and the tool results in the prompt.
 * An agent ships one as its default `model`, so a fresh checkout answers without a key.
 *
 * ```ts
 * export const greeterModel = defineEmbeddedModel("embedded-greeter", ({ event, need }) =>
 *   need("list_labels") ? { tool: "list_labels", input: {} } : { text: `Hello, ${event.actor}!` },
 * );
 * ```
 */
export function defineEmbeddedModel(
  modelId: string,
  decide: (turn: EmbeddedTurn) => EmbeddedDecision | Promise<EmbeddedDecision>,
): LanguageModelV4 {
  return {
    specificationVersion: "v4",
    provider: "switchboard",
    modelId,
    supportedUrls: {},
    async doGenerate(options) {
      const { event, results, history } = readPrompt(options.prompt);
      const offered = new Set((options.tools ?? []).map((tool) => tool.name));
      const decision = event
        ? await decide({ event, results, history, need: (tool) => offered.has(tool) && !results.has(tool) })
        : { text: "I did not get a message." };
      return generated(decision, results.size);
    },
    async doStream() {
      throw new Error(`${modelId} does not stream; use doGenerate`);
    },
  };
}

function generated(decision: EmbeddedDecision, step: number): LanguageModelV4GenerateResult {
  const calling = "tool" in decision;
  return {
    content: calling
      ? [{ type: "tool-call", toolCallId: `call_${decision.tool}_${step}`, toolName: decision.tool, input: JSON.stringify(decision.input) }]
      : [{ type: "text", text: decision.text }],
    finishReason: { unified: calling ? "tool-calls" : "stop", raw: undefined },
    usage: {
      inputTokens: { total: 0, noCache: 0, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: 0, text: 0, reasoning: 0 },
    },
    warnings: [],
  };
}

/** Pulls the current event, the tool results since it, and earlier assistant answers from the prompt. */
function readPrompt(prompt: readonly LanguageModelV4Message[]) {
  let eventIndex = -1;
  for (let i = prompt.length - 1; i >= 0; i--) {
    const message = prompt[i]!;
    if (message.role === "user" && message.providerOptions?.[PROMPT_EVENT_KEY]) {
      eventIndex = i;
      break;
    }
  }
  const event =
    eventIndex >= 0 ? ((prompt[eventIndex]!.providerOptions![PROMPT_EVENT_KEY] as { event?: PromptEvent }).event ?? null) : null;
  const history: string[] = [];
  for (const message of prompt.slice(0, Math.max(0, eventIndex))) {
    if (message.role !== "assistant") continue;
    const text = message.content.map((part) => (part.type === "text" ? part.text : "")).join("");
    if (text) history.push(text);
  }
  const results = new Map<string, ToolOutcome>();
  for (const message of prompt.slice(eventIndex + 1)) {
    if (message.role !== "tool") continue;
    for (const part of message.content) {
      if (part.type !== "tool-result") continue;
      const output = part.output;
      results.set(
        part.toolName,
        output.type === "json" ? { ok: true, value: output.value } : { ok: false, error: "value" in output ? String(output.value) : output.type },
      );
    }
  }
  return { event, results, history };
}
