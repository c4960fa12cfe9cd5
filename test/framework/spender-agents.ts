// Agents with budgets: each calls a tool until told to stop, so a budget is what ends its turn.
import { z } from "zod";
import { defineAgent, defineEmbeddedModel, defineTool, type AgentBudgets } from "../../src/index.ts";

/** Ticks, by conversation: how many tool calls each turn really made. */
export const ticks = new Map<string, number>();

const tick = defineTool({
  name: "tick",
  description: "Count one.",
  inputSchema: z.object({}),
  async execute(_input, { event }) {
    ticks.set(event.conversationKey, (ticks.get(event.conversationKey) ?? 0) + 1);
    return { ticked: true };
  },
});

/** Ticks once, then answers: two model calls when no budget stops it. */
const ticker = defineEmbeddedModel("ticker", ({ need }) => (need("tick") ? { tool: "tick", input: {} } : { text: "Ticked, done." }));

function spender(name: string, budgets: AgentBudgets) {
  return defineAgent({ name, instructions: "Tick, then say you are done.", model: ticker, tools: [tick], triggers: ["mention"], budgets });
}

export const turnBudget = spender("turn-budget", { turnTokens: 1 });
export const dayBudget = spender("day-budget", { conversationTokensPerDay: 1 });
export const teamBudget = spender("team-budget", { tenantTokensPerDay: 1 });
