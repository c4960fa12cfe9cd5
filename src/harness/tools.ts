import type { JSONValue, LanguageModelV4FunctionTool } from "@ai-sdk/provider";
import { z } from "zod";
import type { EffectContext } from "../channel.ts";

/** A capability the model may call. Side effects must honour `effect` (see EffectContext). */
export interface Tool<Input = unknown> {
  readonly description: string;
  readonly input: z.ZodType<Input>;
  execute(input: Input, effect: EffectContext): Promise<JSONValue>;
}

export type ToolSet = Readonly<Record<string, Tool>>;

/** Type-checks `execute` against the schema, then erases the input type for the registry. */
export function defineTool<Input>(tool: Tool<Input>): Tool {
  return tool as unknown as Tool;
}

/** The tool list in the shape every AI SDK language model accepts. */
export function describeTools(tools: ToolSet): LanguageModelV4FunctionTool[] {
  return Object.entries(tools).map(([name, tool]) => ({
    type: "function",
    name,
    description: tool.description,
    inputSchema: z.toJSONSchema(tool.input) as LanguageModelV4FunctionTool["inputSchema"],
  }));
}
