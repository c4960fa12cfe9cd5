import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import type { LanguageModelV4 } from "@ai-sdk/provider";
import type { CoreConfig } from "../config.ts";

/**
 * Chooses the language model for turns: `MODEL=<provider>:<model id>`. Unset (or "embedded")
 * means the offline model the agent definition ships, so a fresh checkout needs no key. Every
 * provider is an AI SDK provider, so any other one plugs in the same way.
 */
const providers: Readonly<Record<string, (modelId: string, config: CoreConfig) => LanguageModelV4>> = {
  openai: (modelId, config) => createOpenAI({ apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL })(modelId),
  /** Any server speaking OpenAI's Chat Completions API (set OPENAI_BASE_URL). */
  "openai-compatible": (modelId, config) =>
    createOpenAI({ apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL }).chat(modelId),
  anthropic: (modelId, config) =>
    createAnthropic({ apiKey: config.ANTHROPIC_API_KEY, baseURL: config.ANTHROPIC_BASE_URL })(modelId),
};

/** The variable each provider needs, for config validation. */
export const PROVIDER_KEYS: Readonly<Record<string, keyof CoreConfig>> = {
  openai: "OPENAI_API_KEY",
  "openai-compatible": "OPENAI_BASE_URL",
  anthropic: "ANTHROPIC_API_KEY",
};

export function parseModelSpec(spec: string | undefined): { provider: string; modelId: string } | null {
  if (!spec || spec === "embedded") return null;
  const separator = spec.indexOf(":");
  return { provider: separator > 0 ? spec.slice(0, separator) : spec, modelId: spec.slice(separator + 1) };
}

export function resolveModel(config: CoreConfig, embedded: LanguageModelV4): LanguageModelV4 {
  const spec = parseModelSpec(config.MODEL);
  if (!spec) return embedded;
  const factory = providers[spec.provider];
  if (!factory) throw new Error(`MODEL: unknown provider "${spec.provider}"`);
  return factory(spec.modelId, config);
}
