import { getAgentByName } from "agents";
import type { AgentDefinition } from "./agent.ts";
import type { AcceptOutcome, Channel } from "./channel.ts";
import type { NormalizedEvent } from "./event.ts";
import { createIngress } from "./ingress/app.ts";
import { createOperatorApi } from "./operator.ts";
import { loadConfig } from "./config.ts";
import { parseModelSpec } from "./models/index.ts";
import type { PriceTable } from "./pricing.ts";
import { createRouter, type Route } from "./routing.ts";
import { ledgerName, utcDay } from "./runtime/ledger.ts";
import { ConversationRuntime, type RuntimeRegistry } from "./runtime/conversation.ts";
import { participationPlace } from "./runtime/participation.ts";

export interface SwitchboardOptions {
  readonly channels: readonly Channel<unknown>[];
  readonly agents: readonly AgentDefinition[];
  readonly routes: readonly Route[];
  /**
   * Model prices, by model id or MODEL spec (`"openai:gpt-4.1-mini": { inputPerMillion: 0.4,
   * outputPerMillion: 1.6 }`), copied from your provider's pricing page: costs in the live view,
   * dollar budgets, /health. Embedded models cost nothing.
   */
  readonly prices?: PriceTable;
}

/**
 * Composes a Worker from channels, agents and routes, checking the agents and the routes once
 * at startup. The Worker entry exports both halves:
 *
 * ```ts
 * const switchboard = createSwitchboard({ channels, agents, routes });
 * export class ConversationAgent extends switchboard.Conversation {}
 * export default switchboard.app;
 * ```
 */
export function createSwitchboard({ channels, agents, routes, prices = {} }: SwitchboardOptions) {
  const router = createRouter(agents, routes);
  const registry: RuntimeRegistry = { router, channels, prices };

  class Conversation extends ConversationRuntime {
    protected override get registry(): RuntimeRegistry {
      return registry;
    }
  }

  /**
   * Why no conversation's object needs to wake for the event, or null. Routing decides first: an
   * event no agent wants costs no Durable Object. An event not addressed to the bot in a
   * conversation that began after its place's participation index did, and that the index does
   * not list, is one the bot never joined: one request to that warm index, nothing written.
   */
  async function screen(env: Env, event: NormalizedEvent): Promise<string | null> {
    const decision = router.route(event);
    if ("ignore" in decision) return decision.ignore;
    if (event.addressedToBot || event.approval || event.kind === "cancel" || event.startedAt === undefined) return null;
    const index = env.PARTICIPATION.getByName(participationPlace(event.conversationKey));
    const hears = await index.hears(event.conversationKey, Date.parse(event.startedAt));
    return hears === false ? "not addressed to the bot, and the bot has not taken part in this conversation" : null;
  }

  // One RPC per event: an Agent's public methods start its lifecycle themselves
  // (node_modules/agents/docs/lifecycle.md), so getAgentByName's extra round trip buys nothing.
  async function deliver(env: Env, event: NormalizedEvent): Promise<AcceptOutcome> {
    const decision = router.route(event);
    if ("ignore" in decision) return { status: "ignored", reason: decision.ignore };
    return env.CONVERSATION.getByName(event.conversationKey).accept(event, decision.agent.name);
  }

  async function dispatch(env: Env, event: NormalizedEvent): Promise<AcceptOutcome> {
    const ignore = await screen(env, event);
    return ignore === null ? deliver(env, event) : { status: "ignored", reason: ignore };
  }

  const app = createIngress({ channels, screen, dispatch: deliver, agents, health: (env) => usageHealth(env, channels, prices) });

  // The live view of conversations (the dev playground). Off unless AGENT_INSPECTOR=true: it
  // shows conversation contents to whoever can reach the Worker.
  app.get("/agents/conversation/:key", async (c) => {
    if (c.env.AGENT_INSPECTOR !== "true") return c.json({ error: "not found" }, 404);
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") return c.json({ error: "expected a WebSocket upgrade" }, 426);
    const agent = await getAgentByName(c.env.CONVERSATION, c.req.param("key"));
    return agent.fetch(c.req.raw);
  });

  // Inspect and re-run conversations, start Discord's Gateway: off unless ADMIN_TOKEN is set.
  app.route("/", createOperatorApi(channels));

  return {
    /** The Worker's fetch handler: webhooks, /health, and the live view and the operator endpoints when enabled. */
    app,
    /** The conversation Durable Object's base class, bound to these agents and channels. */
    Conversation,
    router,
    /**
     * Routes a verified, normalized event and hands it to its conversation; resolves once it is
     * durable. The ingress uses it, and so do channels that receive events outside a webhook
     * (Discord's Gateway object).
     */
    dispatch,
  };
}

export type Switchboard = ReturnType<typeof createSwitchboard>;

/** Today's spend across every conversation, for /health: totals only. */
async function usageHealth(env: Env, channels: readonly Channel<unknown>[], prices: PriceTable): Promise<Record<string, unknown>> {
  const config = loadConfig(env, channels);
  const spec = parseModelSpec(config.core.MODEL);
  const priced = !spec || prices[`${spec.provider}:${spec.modelId}`] !== undefined || prices[spec.modelId] !== undefined;
  try {
    const today = await env.USAGE_LEDGER.getByName(ledgerName("*")).totals();
    return { usage: { day: utcDay(), ...today, ...(priced ? {} : { unpricedModel: config.core.MODEL }) } };
  } catch {
    return { usage: { day: utcDay(), error: "the usage ledger did not answer" } };
  }
}
