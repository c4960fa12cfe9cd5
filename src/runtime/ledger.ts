import { DurableObject } from "cloudflare:workers";

/** Tokens and dollars spent, as a day's ledger adds them up. */
export interface Spend {
  readonly turns: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly usd: number;
}

export const NO_SPEND: Spend = { turns: 0, inputTokens: 0, outputTokens: 0, usd: 0 };

/**
 * What one scope spent on one UTC day, across all its conversations: a Slack workspace, a
 * GitHub installation, a Linear organization (`<tenant>/<day>`), or everything (`*\/<day>`, for
 * /health). Turns charge it once when they end, so it costs one request per turn, off the ack
 * path; tenant budgets read it when a turn starts.
 */
export class UsageLedger extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS spend (id INTEGER PRIMARY KEY CHECK (id = 1), turns INTEGER, input INTEGER, output INTEGER, usd REAL)");
  }

  async charge(spend: Spend): Promise<Spend> {
    return this.ctx.storage.sql
      .exec<{ turns: number; inputTokens: number; outputTokens: number; usd: number }>(
        `INSERT INTO spend (id, turns, input, output, usd) VALUES (1, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET turns = turns + excluded.turns, input = input + excluded.input,
           output = output + excluded.output, usd = usd + excluded.usd
         RETURNING turns, input AS inputTokens, output AS outputTokens, usd`,
        spend.turns,
        spend.inputTokens,
        spend.outputTokens,
        spend.usd,
      )
      .one();
  }

  async totals(): Promise<Spend> {
    return (
      this.ctx.storage.sql
        .exec<{ turns: number; inputTokens: number; outputTokens: number; usd: number }>("SELECT turns, input AS inputTokens, output AS outputTokens, usd FROM spend")
        .toArray()[0] ?? NO_SPEND
    );
  }
}

/** The ledger's name for a scope and a day. */
export function ledgerName(scope: string, at = Date.now()): string {
  return `${scope}/${utcDay(at)}`;
}

export function utcDay(at = Date.now()): string {
  return new Date(at).toISOString().slice(0, 10);
}
