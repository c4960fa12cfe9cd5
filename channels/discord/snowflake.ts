/** Discord's epoch (2015-01-01T00:00:00Z); a snowflake's top 42 bits are milliseconds since it. */
const DISCORD_EPOCH = 1_420_070_400_000n;

/** When a snowflake id was minted, or null for an id that is not one. */
export function snowflakeTime(id: string): number | null {
  if (!/^\d{15,21}$/.test(id)) return null;
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

/** Interaction tokens live 15 minutes after the interaction was created. */
export const INTERACTION_TOKEN_MS = 15 * 60_000;
