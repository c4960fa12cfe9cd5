import type {
  JSONValue,
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4Message,
  LanguageModelV4StreamPart,
} from "@ai-sdk/provider";
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

/**
 * One step: call a tool, or answer (which ends the turn). A call may `say` a few words first, as
 * a language model often does ("Let me look that up."): a live reply opens on them, and the tool
 * steps show under them while they run.
 */
export type EmbeddedDecision =
  | { readonly tool: string; readonly input: Record<string, JSONValue>; readonly say?: string }
  | { readonly text: string };

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
      return generated(await decideFor(options), estimatedInput(options.prompt));
    },
    // The same answer, in pieces of a few words: the path a streaming language model takes, so
    // live replies are exercised offline, in the tests and in the playground.
    async doStream(options) {
      const answer = generated(await decideFor(options), estimatedInput(options.prompt));
      const pace = streamPace(options);
      const parts: LanguageModelV4StreamPart[] = [{ type: "stream-start", warnings: [] }];
      for (const part of answer.content) {
        if (part.type === "text") {
          parts.push({ type: "text-start", id: "0" });
          for (const piece of pieces(part.text)) parts.push({ type: "text-delta", id: "0", delta: piece });
          parts.push({ type: "text-end", id: "0" });
        } else if (part.type === "tool-call") parts.push(part);
      }
      parts.push({ type: "finish", usage: answer.usage, finishReason: answer.finishReason });
      let next = 0;
      return {
        stream: new ReadableStream<LanguageModelV4StreamPart>({
          async pull(controller) {
            const part = parts[next++];
            if (!part) return controller.close();
            if (part.type === "text-delta" && pace > 0) await new Promise((resolve) => setTimeout(resolve, pace));
            controller.enqueue(part);
          },
        }),
      };
    },
  };

  async function decideFor(options: LanguageModelV4CallOptions): Promise<EmbeddedDecision & { step: number }> {
    const { event, results, history } = readPrompt(options.prompt);
    const offered = new Set((options.tools ?? []).map((tool) => tool.name));
    const decision = event
      ? await decide({ event, results, history, need: (tool) => offered.has(tool) && !results.has(tool) })
      : { text: "I did not get a message." };
    return { ...decision, step: results.size };
  }
}

/**
 * Milliseconds between two streamed pieces. An embedded model answers at once; `npm run dev` sets
 * a pace (EMBEDDED_STREAM_PACE_MS) so the playground shows an answer growing as a language model's
 * would. Elsewhere, none.
 */
function streamPace(options: LanguageModelV4CallOptions): number {
  const pace = (options.providerOptions?.[PROMPT_EVENT_KEY] as { streamPaceMs?: unknown } | undefined)?.streamPaceMs;
  return typeof pace === "number" && pace > 0 ? Math.min(pace, 1000) : 0;
}
/** Words per streamed piece. */
const WORDS_PER_PIECE = 4;

/** The text in pieces of a few words, spaces kept, so joined they are the text again. */
function pieces(text: string): string[] {
  const words = text.match(/\S+\s*|\s+/g) ?? [];
  const out: string[] = [];
  for (let i = 0; i < words.length; i += WORDS_PER_PIECE) out.push(words.slice(i, i + WORDS_PER_PIECE).join(""));
  return out;
}

/**
 * An embedded model reads no tokens, but budgets and the usage view need a figure: the common
 * rule of thumb for English, four characters a token.
 */
function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function estimatedInput(prompt: readonly LanguageModelV4Message[]): number {
  let characters = 0;
  for (const message of prompt) {
    if (typeof message.content === "string") characters += message.content.length;
    else for (const part of message.content) characters += "text" in part && typeof part.text === "string" ? part.text.length : JSON.stringify(part).length;
  }
  return Math.ceil(characters / 4);
}

function generated(decision: EmbeddedDecision & { step: number }, inputTokens: number): LanguageModelV4GenerateResult {
  const calling = "tool" in decision;
  const said = calling && decision.say ? decision.say : "";
  const output = calling ? said + JSON.stringify(decision.input) : decision.text;
  return {
    content: calling
      ? [
          ...(said ? [{ type: "text" as const, text: said }] : []),
          { type: "tool-call", toolCallId: `call_${decision.tool}_${decision.step}`, toolName: decision.tool, input: JSON.stringify(decision.input) },
        ]
      : [{ type: "text", text: decision.text }],
    finishReason: { unified: calling ? "tool-calls" : "stop", raw: undefined },
    usage: {
      inputTokens: { total: inputTokens, noCache: inputTokens, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: estimateTokens(output), text: estimateTokens(output), reasoning: 0 },
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
