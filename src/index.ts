/**
 * Switchboard's API for agents: declare agents and tools, route events to them. Everything an
 * agent folder needs comes from here; the runtime, the ingress and the channels do the rest.
 */
export { defineAgent, renderEvent, AgentDefinitionError, DEFAULT_LIMITS, PROMPT_EVENT_KEY } from "./agent.ts";
export type { AgentBudgets, AgentDeclaration, AgentDefinition, AgentLimits, PromptEvent } from "./agent.ts";
export type { ModelPrice, PriceTable } from "./pricing.ts";
export { defineTool, channelTools } from "./harness/tools.ts";
export type { Tool, ToolContext, ToolSet, ProgressStep } from "./harness/tools.ts";
export { defineEmbeddedModel } from "./models/embedded.ts";
export type { EmbeddedDecision, EmbeddedTurn, ToolOutcome } from "./models/embedded.ts";
export { createRouter } from "./routing.ts";
export type { Route, RouteDecision, Router } from "./routing.ts";
export { EventKind } from "./event.ts";
export type { NormalizedEvent } from "./event.ts";
