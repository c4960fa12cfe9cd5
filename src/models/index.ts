import type { LanguageModelV4 } from "@ai-sdk/provider";

/**
 * Chooses the language model for turns. Unset (or "embedded") means the offline model the
 * agent definition ships, so a fresh checkout needs no key. Any AI SDK provider plugs in
 * through `providers`: `MODEL=openai:gpt-4.1` → providers.openai("gpt-4.1").
 */
export type ProviderFactory = (modelId: string) => LanguageModelV4;

export function resolveModel(
  spec: string | undefined,
  embedded: LanguageModelV4,
  providers: Readonly<Record<string, ProviderFactory>> = {},
): LanguageModelV4 {
  if (!spec || spec === "embedded") return embedded;
  const separator = spec.indexOf(":");
  const provider = separator > 0 ? spec.slice(0, separator) : "";
  const factory = providers[provider];
  if (!factory) {
    const known = ["embedded", ...Object.keys(providers).map((name) => `${name}:<model-id>`)].join(", ");
    throw new Error(`MODEL: unknown provider "${provider || spec}"; expected one of ${known}`);
  }
  return factory(spec.slice(separator + 1));
}
