import type { LanguageModelV4, LanguageModelV4Message } from "@ai-sdk/provider";
import type { z } from "zod";
import { EventKind, type NormalizedEvent } from "./event.ts";
import type { Tool, ToolSet } from "./harness/tools.ts";
import { codeTool, workspaceTools } from "./sandbox/tools.ts";

/** How far one turn may go before the runtime stops it. */
export interface AgentLimits {
  /** Model calls plus tool calls in one turn; no model call starts after this many steps. */
  readonly maxSteps: number;
  /** Attempts of one turn that crashed mid-way (the object died) before it is recorded as failed. */
  readonly maxAttempts: number;
  /**
   * How long a turn that keeps failing transiently (rate limits, a platform outage) is retried,
   * from when its event was accepted, before it is recorded as failed. Default 24 hours.
   */
  readonly retryWindowMs: number;
  /** Messages of earlier turns the model is shown; older ones are dropped. */
  readonly historyLimit: number;
  /** How long an approval request waits for a decision before it expires as denied. Default 24 hours. */
  readonly approvalTimeoutMs: number;
}

export const DEFAULT_LIMITS: AgentLimits = {
  maxSteps: 12,
  maxAttempts: 4,
  historyLimit: 20,
  retryWindowMs: 24 * 3_600_000,
  approvalTimeoutMs: 24 * 3_600_000,
};

/**
 * Spending limits. A turn that reaches one stops with a reply that says so, before its next model
 * call; tools already run stay journaled. Days are UTC; tokens are input plus output.
 */
export interface AgentBudgets {
  readonly turnTokens?: number;
  readonly conversationTokensPerDay?: number;
  readonly conversationUsdPerDay?: number;
  /** Per workspace: a Slack team, a GitHub installation or owner, a Linear organization, a Discord server. */
  readonly tenantTokensPerDay?: number;
  readonly tenantUsdPerDay?: number;
}

export interface AgentDeclaration {
  /** The agent's id: in logs, in the live view, and in the conversations it owns. */
  readonly name: string;
  /** The system prompt, usually a Markdown file next to the definition (`import text from "./instructions.md"`). */
  readonly instructions: string;
  /**
   * The model when `MODEL` is unset: an AI SDK language model. An agent may ship its own
   * embedded, offline one, so a fresh checkout answers without any key.
   */
  readonly model: LanguageModelV4;
  /** Tools the model may call: your own (`defineTool`) and channels' (e.g. `githubTools.add_labels`). */
  readonly tools?: readonly Tool[];
  /** Event kinds that start a turn. At least one. */
  readonly triggers: readonly EventKind[];
  readonly limits?: Partial<AgentLimits>;
  readonly budgets?: AgentBudgets;
  /** The user message a turn starts with; by default the event rendered as text. */
  readonly prompt?: (event: NormalizedEvent) => LanguageModelV4Message;
  /**
   * The agent's own variables, as a zod schema over the Worker's env (issues name the variable,
   * never its value). Its tools read the result with `context.settings()`; `/health` lists its problems.
   */
  readonly settings?: z.ZodType<unknown>;
  /**
   * A durable workspace per conversation (@cloudflare/shell, in the conversation's SQLite): the
   * agent gets `read_file`, `write_file`, `list`, `grep` and `diff`, its tools get
   * `context.workspace`, and `context.sandbox` runs code that may import the workspace's files.
   */
  readonly workspace?: true;
  /**
   * With a language model (`MODEL` set), one `code` tool: the model writes a program that calls
   * the agent's tools and the workspace, run in a fresh isolate. Implies `workspace`.
   */
  readonly code?: true;
}

/** A checked agent, as the runtime runs it. */
export interface AgentDefinition extends Omit<AgentDeclaration, "tools" | "limits" | "prompt" | "budgets"> {
  readonly tools: readonly Tool[];
  readonly limits: AgentLimits;
  readonly budgets: AgentBudgets;
  readonly prompt: (event: NormalizedEvent) => LanguageModelV4Message;
}

const AGENT_NAME = /^[a-z][a-z0-9-]{0,39}$/;

export class AgentDefinitionError extends Error {
  override name = "AgentDefinitionError";
}

/**
 * Declares an agent: what it is told, what it may use, what wakes it. Checked here, once, when
 * the Worker starts: a tool that is missing (a misspelled import), two tools one channel would
 * offer under the same name, no trigger, or limits out of range throw an AgentDefinitionError.
 *
 * ```ts
 * import { defineAgent, defineTool } from "../../src/index.ts";
 * import instructions from "./instructions.md";
 *
 * export const greeter = defineAgent({
 *   name: "greeter",
 *   instructions,
 *   model: openai("gpt-5-mini"),
 *   tools: [lookupOrder],
 *   triggers: ["mention", "command"],
 * });
 * ```
 */
export function defineAgent(declaration: AgentDeclaration): AgentDefinition {
  const fail = (problem: string): never => {
    throw new AgentDefinitionError(`agent "${declaration.name}": ${problem}`);
  };
  if (!AGENT_NAME.test(declaration.name)) fail("the name must be lower-case letters, digits and -, starting with a letter");
  if (!declaration.instructions.trim()) fail("instructions are empty");
  if (typeof declaration.model?.doGenerate !== "function") fail("model must be an AI SDK language model");
  const triggers = declaration.triggers ?? [];
  if (triggers.length === 0) fail("it has no triggers, so nothing would ever start a turn");
  for (const trigger of triggers) {
    if (!EventKind.safeParse(trigger).success) fail(`unknown trigger "${trigger}"; known kinds: ${EventKind.options.join(", ")}`);
  }
  const tools = declaration.tools ?? [];
  tools.forEach((tool, index) => {
    if (!tool || typeof tool.execute !== "function") fail(`tools[${index}] is not a tool (a misspelled import?)`);
  });
  for (const tool of tools) {
    // Tools for every channel clash with any tool of the same name; a channel's only within it.
    for (const other of tools) {
      if (other === tool || other.name !== tool.name) continue;
      if (tool.channel === undefined || other.channel === undefined || tool.channel === other.channel) {
        fail(`two tools are named "${tool.name}"${tool.channel ? ` in ${tool.channel}` : ""}`);
      }
    }
  }
  const limits = { ...DEFAULT_LIMITS, ...declaration.limits };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) fail(`limits.${key} must be a positive integer`);
  }
  const budgets = declaration.budgets ?? {};
  for (const [key, value] of Object.entries(budgets)) {
    if (value !== undefined && !(typeof value === "number" && value > 0 && Number.isFinite(value))) fail(`budgets.${key} must be a positive number`);
  }
  return {
    name: declaration.name,
    instructions: declaration.instructions,
    model: declaration.model,
    tools,
    triggers,
    limits,
    budgets,
    prompt: declaration.prompt ?? renderEvent,
    ...(declaration.settings ? { settings: declaration.settings } : {}),
    ...(declaration.workspace || declaration.code ? { workspace: true as const } : {}),
    ...(declaration.code ? { code: true as const } : {}),
  };
}

/**
 * The tools an agent offers in a conversation on `channel`, by the name the model calls them:
 * its own, the workspace's when it has one (its own tool of the same name wins), and the code
 * tool when it asked for one and a language model (`languageModel`) runs the turn.
 */
export function toolsFor(agent: AgentDefinition, channel: string, { languageModel = false }: { languageModel?: boolean } = {}): ToolSet {
  const own: Record<string, Tool> = Object.fromEntries(
    agent.tools.filter((tool) => tool.channel === undefined || tool.channel === channel).map((tool) => [tool.name, tool]),
  );
  const tools: Record<string, Tool> = agent.workspace ? { ...workspaceTools, ...own } : own;
  if (agent.code && languageModel && !tools.code) tools.code = codeTool(tools);
  return tools;
}

/** Where the structured event rides along in the prompt; providers ignore options that are not theirs. */
export const PROMPT_EVENT_KEY = "switchboard";

/** The part of an event an embedded model reads; real models read the rendered text. */
export interface PromptEvent {
  readonly channel: NormalizedEvent["channel"];
  readonly kind: NormalizedEvent["kind"];
  readonly actor: string;
  /** False for a message in a conversation the bot takes part in that does not address it. */
  readonly addressedToBot: boolean;
  readonly title?: string;
  readonly text: string;
  readonly labels?: readonly string[];
  readonly changes?: NormalizedEvent["changes"];
}

/** The default prompt: the event as text for a language model, and as data for an embedded one. */
export function renderEvent(event: NormalizedEvent): LanguageModelV4Message {
  const lines = [`[${event.channel} ${event.kind}] from ${event.actor.name}`];
  if (event.title) lines.push(`Title: ${event.title}`);
  if (event.labels?.length) lines.push(`Labels: ${event.labels.join(", ")}`);
  if (event.changes) {
    const { additions, deletions, changedFiles } = event.changes;
    lines.push(`Changes: +${additions} -${deletions} in ${changedFiles} file(s)`);
  }
  if (event.url) lines.push(`URL: ${event.url}`);
  lines.push("", event.text || "(no text)");
  const structured: PromptEvent = {
    channel: event.channel,
    kind: event.kind,
    actor: event.actor.name,
    addressedToBot: event.addressedToBot,
    text: event.text,
    ...(event.title !== undefined ? { title: event.title } : {}),
    ...(event.labels ? { labels: event.labels } : {}),
    ...(event.changes ? { changes: event.changes } : {}),
  };
  return {
    role: "user",
    content: [{ type: "text", text: lines.join("\n") }],
    providerOptions: { [PROMPT_EVENT_KEY]: { event: structured as never } },
  };
}
