/** What a model costs, in US dollars per million tokens. */
export interface ModelPrice {
  readonly inputPerMillion: number;
  readonly outputPerMillion: number;
  /** Input served from the provider's prompt cache; the input price when unset. */
  readonly cachedInputPerMillion?: number;
}

/** Prices by model id (`gpt-4.1-mini`) or by the MODEL spec (`openai:gpt-4.1-mini`). */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/**
 * Dollars for `usage` of `model`, or null when the table has no price for it. The offline,
 * embedded models cost nothing. Providers change their prices, so a language model's price comes
 * from your own table (`createSwitchboard({ prices })`), copied from the provider's pricing page;
 * a model without one is counted in tokens only, and /health names it.
 */
export function costOf(
  prices: PriceTable,
  model: { provider: string; modelId: string },
  usage: { inputTokens: number; outputTokens: number; cachedInputTokens: number },
): number | null {
  if (model.provider === "switchboard") return 0;
  const price = prices[`${model.provider.split(".")[0]}:${model.modelId}`] ?? prices[model.modelId];
  if (!price) return null;
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
  return (
    ((usage.inputTokens - cached) * price.inputPerMillion +
      cached * (price.cachedInputPerMillion ?? price.inputPerMillion) +
      usage.outputTokens * price.outputPerMillion) /
    1_000_000
  );
}
