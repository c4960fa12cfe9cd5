import type { JSONValue, LanguageModelV4FunctionTool } from "@ai-sdk/provider";
import { z } from "zod";
import type { EffectContext, PostedMessage } from "../channel.ts";
import type { NormalizedEvent } from "../event.ts";
import type { WorkspaceFsLike } from "@cloudflare/shell";
import type { Sandbox } from "../sandbox/run.ts";

/** A step worth showing while a turn runs ("Added labels: bug"), where the platform has room for it. */
export interface ProgressStep {
  readonly action: string;
  readonly parameter: string;
  readonly result?: string;
}

/** What a tool gets besides its input. Side effects must honour the effect fields (see EffectContext). */
export interface ToolContext extends EffectContext {
  /** The event whose turn called the tool. */
  readonly event: NormalizedEvent;
  /** Aborted when the turn is cancelled. */
  readonly signal: AbortSignal;
  /** Shows a finished action in the conversation (Linear's action activities); a no-op elsewhere. */
  progress(step: ProgressStep): Promise<void>;
  /** Set for a channel's own tools: the conversation's reply target and the channel's config. */
  readonly channel: { readonly name: string; readonly target: unknown; readonly config: unknown };
  /**
   * Another enabled channel's config, for a tool that acts on a platform other than the
   * conversation's own (filing a GitHub issue from a Slack thread); undefined when it is not enabled.
   * This and the two below are given inside a conversation; a tool called elsewhere (a unit
   * test, a one-off turn) may not have them.
   */
  channelConfig?(name: string): unknown;
  /** The agent's own settings, parsed by its `settings` schema; throws naming the variables at fault. */
  settings?(): unknown;
  /** Conversations that follow this one, and this conversation following others. */
  readonly followers?: Followers;
  /**
   * The conversation's workspace, for agents declared with `workspace: true` (or `code: true`):
   * files that last across turns, in the conversation's own SQLite (@cloudflare/shell's
   * filesystem interface, the methods its state backend uses).
   */
  readonly workspace?: WorkspaceFsLike;
  /** Runs code in a fresh isolate with no network, bindings or secrets; it may import the workspace's files. */
  readonly sandbox?: Sandbox;
}

/** A conversation that asked to hear what happens in another one: where to answer, in its channel's terms. */
export interface Follower {
  readonly conversationKey: string;
  readonly channel: string;
  /** Its reply target, which its channel's own schema checks before use. */
  readonly replyTo: Readonly<Record<string, unknown>>;
}

/**
 * Links between conversations that know no platform: a chat thread follows the ticket filed from
 * it, and the ticket's conversation answers in the thread when something happens to the ticket.
 */
export interface Followers {
  /** Makes this conversation a follower of `conversationKey` (recorded there, durably). Safe to repeat. */
  follow(conversationKey: string): Promise<void>;
  /** The conversations following this one. */
  list(): readonly Follower[];
  /** Posts in a follower through its own channel, exactly once per `effect.idempotencyKey`. */
  tell(follower: Follower, markdown: string, effect: EffectContext): Promise<PostedMessage>;
}

/**
 * A capability the model may call: the AI SDK's `tool()` shape (`description`, `inputSchema`,
 * `execute`) plus the name the model calls it by. Build one with `defineTool`.
 */
export interface Tool<Input = unknown> {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: z.ZodType<Input>;
  /** A channel's tool is offered only in that channel's conversations; other tools everywhere. */
  readonly channel?: string;
  /**
   * A person must approve each call before it runs (`true`), or the calls the predicate picks.
   * The turn parks until the decision arrives; a denied call never runs, and the model is told.
   */
  readonly needsApproval?: boolean | ((input: Input) => boolean);
  /** What a call will do, in words, for the approval request; by default the tool's name and input. */
  readonly describeCall?: (input: Input) => string;
  execute(input: Input, context: ToolContext): Promise<JSONValue>;
}

/** Tools by the name the model calls them; what a turn is offered. */
export type ToolSet = Readonly<Record<string, Tool>>;

const TOOL_NAME = /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/;

/**
 * Declares a tool. `execute` is type-checked against `inputSchema`; the model's input is
 * validated with it before `execute` runs, and a mismatch goes back to the model as an error.
 *
 * ```ts
 * export const lookupOrder = defineTool({
 *   name: "lookup_order",
 *   description: "Find an order by its number.",
 *   inputSchema: z.object({ number: z.string() }),
 *   async execute({ number }) {
 *     return { number, status: "shipped" };
 *   },
 * });
 * ```
 */
export function defineTool<Input>(tool: Tool<Input>): Tool {
  if (!TOOL_NAME.test(tool.name)) {
    throw new Error(`tool name "${tool.name}" must start with a letter and hold only letters, digits, _ and - (at most 64)`);
  }
  if (!tool.description.trim()) throw new Error(`tool "${tool.name}" needs a description: it is what the model reads`);
  // Erased here, checked above: the harness validates input with the same schema before execute.
  return tool as Tool;
}

/**
 * A channel's tool factory: its tools run with the conversation's reply target and the channel's
 * config, typed as the channel declares them. The runtime offers them only in that channel's
 * conversations, so the target always is one of this channel's.
 */
export function channelTools<Target, Config>(channel: string) {
  return <Input>(
    tool: Omit<Tool<Input>, "channel" | "execute"> & {
      execute(input: Input, context: ToolContext & { readonly target: Target; readonly config: Config }): Promise<JSONValue>;
    },
  ): Tool =>
    defineTool<Input>({
      ...tool,
      channel,
      execute: (input, context) =>
        tool.execute(input, { ...context, target: context.channel.target as Target, config: context.channel.config as Config }),
    });
}

/** The tool list in the shape every AI SDK language model accepts. */
export function describeTools(tools: ToolSet): LanguageModelV4FunctionTool[] {
  return Object.entries(tools).map(([name, tool]) => ({
    type: "function",
    name,
    description: tool.description,
    inputSchema: z.toJSONSchema(tool.inputSchema) as LanguageModelV4FunctionTool["inputSchema"],
  }));
}

/** Whether this call of `tool` waits for a person's approval. */
export function needsApproval(tool: Tool, input: unknown): boolean {
  return typeof tool.needsApproval === "function" ? tool.needsApproval(input) : tool.needsApproval === true;
}

/** The approval request's words for this call. */
export function describeCall(tool: Tool, input: unknown): string {
  return tool.describeCall?.(input) ?? `${tool.name} ${JSON.stringify(input)}`;
}
