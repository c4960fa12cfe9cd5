import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4Usage } from "@ai-sdk/provider";

/** Tokens of one model call, as the provider reported them. */
export interface StepUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Of the input, what the provider served from its prompt cache. */
  readonly cachedInputTokens: number;
}

/** Text and tool calls: what a model step contributes to the conversation and the journal. */
export interface ModelStep {
  readonly text: string;
  readonly toolCalls: { toolCallId: string; toolName: string; input: string }[];
  /** Absent in journals written before usage was recorded. */
  readonly usage?: StepUsage;
  readonly finishReason?: string;
}

/**
 * Calls the model once. With `onText`, it streams (`doStream`) and hands over each piece of text
 * as it arrives, so the platform can show the answer growing; without, it generates in one go.
 * Either way the result is the same step.
 */
export async function callModel(model: LanguageModelV4, options: LanguageModelV4CallOptions, onText?: (delta: string) => Promise<void>): Promise<ModelStep> {
  if (!onText) {
    const generated = await model.doGenerate(options);
    let text = "";
    const toolCalls: ModelStep["toolCalls"] = [];
    for (const part of generated.content) {
      if (part.type === "text") text += part.text;
      if (part.type === "tool-call") toolCalls.push({ toolCallId: part.toolCallId, toolName: part.toolName, input: part.input });
    }
    return { text, toolCalls, usage: usageOf(generated.usage), finishReason: generated.finishReason.unified };
  }
  const { stream } = await model.doStream(options);
  const reader = stream.getReader();
  let text = "";
  const toolCalls: ModelStep["toolCalls"] = [];
  let usage: StepUsage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
  let finishReason = "unknown";
  for (;;) {
    const { done, value: part } = await reader.read();
    if (done) break;
    switch (part.type) {
      case "text-delta":
        text += part.delta;
        await onText(part.delta);
        break;
      case "tool-call":
        toolCalls.push({ toolCallId: part.toolCallId, toolName: part.toolName, input: part.input });
        break;
      case "finish":
        usage = usageOf(part.usage);
        finishReason = part.finishReason.unified;
        break;
      case "error":
        throw part.error;
    }
  }
  return { text, toolCalls, usage, finishReason };
}

function usageOf(usage: LanguageModelV4Usage): StepUsage {
  return {
    inputTokens: usage.inputTokens.total ?? 0,
    outputTokens: usage.outputTokens.total ?? 0,
    cachedInputTokens: usage.inputTokens.cacheRead ?? 0,
  };
}
