import type {
  JSONValue,
  LanguageModelV4,
  LanguageModelV4Message,
  LanguageModelV4ToolResultOutput,
} from "@ai-sdk/provider";
import type { PostedMessage, EffectContext, Outbound } from "../channel.ts";
import { toHex } from "../crypto.ts";
import { transientFailure } from "../retry.ts";
import { refusal, TurnParked, type ApprovalOutcome, type ApprovalRequest } from "./approval.ts";
import type { Journal, StepKind } from "./journal.ts";
import { describeCall, describeTools, needsApproval, type ToolContext, type ToolSet } from "./tools.ts";

export interface TurnInput {
  readonly model: LanguageModelV4;
  readonly instructions: string;
  /** Earlier exchanges of this conversation, oldest first. */
  readonly history: readonly LanguageModelV4Message[];
  /** The user message that starts this turn. */
  readonly prompt: LanguageModelV4Message;
  readonly tools: ToolSet;
  /** What a tool call gets besides its input, for the step's effect context. */
  readonly toolContext: (effect: EffectContext) => ToolContext;
  readonly outbound: Pick<Outbound, "reply">;
  /** Posts an approval request for a tool call that needs one, exactly once per idempotency key. */
  readonly requestApproval?: (request: ApprovalRequest, effect: EffectContext) => Promise<PostedMessage>;
  /** How long an approval request waits before it expires as denied. */
  readonly approvalTimeoutMs?: number;
  /** The agent running the turn, named in approval requests. */
  readonly agent?: string;
  readonly journal: Journal;
  /** Prefix of every idempotency key in this turn; stable across re-runs. */
  readonly turnKey: string;
  /** No model call starts once this many steps ran (the tool calls it asked for still run). */
  readonly maxSteps: number;
  readonly signal?: AbortSignal;
  /** Told about every step as it finishes or is answered from the journal. */
  readonly onStep?: (step: StepReport) => void;
}

export interface StepReport {
  readonly step: number;
  readonly kind: StepKind;
  readonly name: string;
  readonly replayed: boolean;
  /** Wall time spent inside the model, tool or platform call; 0 when replayed. */
  readonly externalMs: number;
}

export interface TurnResult {
  readonly reply: string;
  readonly posted: PostedMessage | null;
  readonly steps: number;
  readonly modelCalls: number;
  readonly replayedSteps: number;
  /** True when the step cap ended the turn before the model gave a final answer. */
  readonly capped: boolean;
}

/** Text and tool calls: what a model step contributes to the conversation and the journal. */
type ModelStep = { text: string; toolCalls: { toolCallId: string; toolName: string; input: string }[] };

/**
 * One turn of model ↔ tools. Every step is journaled before its result is used, so a re-run
 * after a crash answers finished steps from the journal: no model call is paid twice and no
 * side effect happens twice. The step in flight at the crash is re-run with `replay: true`,
 * which is how outbound calls know to look for their platform-side marker first.
 */
export async function runTurn(input: TurnInput): Promise<TurnResult> {
  const { journal, onStep } = input;
  let step = 0;
  let modelCalls = 0;
  let replayedSteps = 0;

  async function journaled<T extends JSONValue>(
    kind: StepKind,
    name: string,
    run: (effect: { idempotencyKey: string; replay: boolean }) => Promise<T>,
  ): Promise<T> {
    const current = step++;
    const entry = journal.read(current);
    if (entry?.output !== undefined) {
      replayedSteps++;
      onStep?.({ step: current, kind, name, replayed: true, externalMs: 0 });
      return entry.output as T;
    }
    // A model call has no effect outside the turn: re-running one is only a cost, so it is
    // recorded once, when it returns. Tools and the reply are marked before they run.
    if (!entry && kind !== "model") journal.begin(current, kind, name);
    input.signal?.throwIfAborted();
    const started = performance.now();
    const output = await run({ idempotencyKey: `${input.turnKey}:${current}`, replay: entry !== undefined });
    const externalMs = performance.now() - started;
    journal.finish(current, kind, name, output);
    onStep?.({ step: current, kind, name, replayed: false, externalMs });
    return output;
  }

  /**
   * For a call that needs a person's approval: posts the request (once), then reads the decision
   * from the journal. No decision yet parks the turn; a refusal is the tool result the model gets.
   */
  async function approve(call: ModelStep["toolCalls"][number]): Promise<JSONValue | null> {
    const tool = input.tools[call.toolName];
    const parsed = tool?.inputSchema.safeParse(parseToolInput(call.input));
    if (!tool || !parsed?.success || !needsApproval(tool, parsed.data)) return null;
    const requestStep = step;
    const asked = (await journaled("request", call.toolName, async (effect) => {
      const request: ApprovalRequest = {
        id: await approvalId(input.turnKey, requestStep),
        tool: call.toolName,
        summary: describeCall(tool, parsed.data),
        agent: input.agent ?? "agent",
        expiresAt: Date.now() + (input.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS),
      };
      if (!input.requestApproval) throw new Error(`${call.toolName} needs approval, and this conversation has no way to ask for it`);
      const posted = await input.requestApproval(request, effect);
      return { request, posted: { ...posted } } as unknown as JSONValue;
    })) as unknown as { request: ApprovalRequest; posted: PostedMessage };
    const decisionStep = step++;
    const decided = journal.read(decisionStep);
    if (decided?.output === undefined) throw new TurnParked(asked.request, decisionStep, asked.posted);
    replayedSteps++;
    onStep?.({ step: decisionStep, kind: "approval", name: call.toolName, replayed: true, externalMs: 0 });
    const outcome = decided.output as unknown as ApprovalOutcome;
    return outcome.approve ? null : errorOutput(refusal(call.toolName, outcome));
  }

  const tools = describeTools(input.tools);
  const messages: LanguageModelV4Message[] = [
    { role: "system", content: input.instructions },
    ...input.history,
    input.prompt,
  ];

  let reply = "";
  let capped = true;
  while (step < input.maxSteps) {
    const result = await journaled("model", input.model.modelId, async () => {
      modelCalls++;
      const generated = await input.model.doGenerate({
        prompt: [...messages],
        tools,
        toolChoice: { type: "auto" },
        ...(input.signal ? { abortSignal: input.signal } : {}),
      });
      const step: ModelStep = { text: "", toolCalls: [] };
      for (const part of generated.content) {
        if (part.type === "text") step.text += part.text;
        if (part.type === "tool-call") {
          step.toolCalls.push({ toolCallId: part.toolCallId, toolName: part.toolName, input: part.input });
        }
      }
      return step as unknown as JSONValue;
    }) as unknown as ModelStep;

    if (result.toolCalls.length === 0) {
      reply = result.text;
      capped = false;
      break;
    }

    messages.push({
      role: "assistant",
      content: [
        ...(result.text ? [{ type: "text" as const, text: result.text }] : []),
        ...result.toolCalls.map((call) => ({
          type: "tool-call" as const,
          toolCallId: call.toolCallId,
          toolName: call.toolName,
          input: parseToolInput(call.input),
        })),
      ],
    });
    const results: LanguageModelV4Message = { role: "tool", content: [] };
    for (const call of result.toolCalls) {
      const refused = await approve(call);
      const output = refused ?? (await journaled("tool", call.toolName, (effect) => callTool(input.tools, call, input.toolContext(effect))));
      results.content.push({
        type: "tool-result",
        toolCallId: call.toolCallId,
        toolName: call.toolName,
        output: output as LanguageModelV4ToolResultOutput,
      });
    }
    messages.push(results);
  }

  if (capped) reply = `I stopped after ${input.maxSteps} steps without reaching an answer.`;

  let posted: PostedMessage | null = null;
  if (reply.trim()) {
    posted = (await journaled("reply", "reply", async (effect) => {
      const sent = await input.outbound.reply(reply, effect);
      return { ...sent } as JSONValue;
    })) as unknown as PostedMessage;
  }
  return { reply, posted, steps: step, modelCalls, replayedSteps, capped };
}

const DEFAULT_APPROVAL_TIMEOUT_MS = 24 * 3_600_000;

/** Short (buttons carry it: Discord's custom_id holds 100 characters) and the same on every re-run. */
async function approvalId(turnKey: string, step: number): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${turnKey}:${step}`));
  return toHex(new Uint8Array(digest).slice(0, 12));
}

function parseToolInput(raw: string): unknown {
  try {
    return JSON.parse(raw || "{}");
  } catch {
    return raw;
  }
}

/**
 * Runs one tool call. Bad input and permanent platform errors go back to the model as an error
 * result it can react to; transient failures (429, 5xx, network) throw so the whole turn is
 * retried later and this step re-runs as a replay.
 */
async function callTool(tools: ToolSet, call: ModelStep["toolCalls"][number], context: ToolContext): Promise<JSONValue> {
  const tool = tools[call.toolName];
  if (!tool) return errorOutput(`unknown tool "${call.toolName}"`);
  const parsed = tool.inputSchema.safeParse(parseToolInput(call.input));
  if (!parsed.success) return errorOutput(`invalid input: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
  try {
    const value = await tool.execute(parsed.data, context);
    return { type: "json", value } satisfies LanguageModelV4ToolResultOutput;
  } catch (error) {
    if (transientFailure(error)) throw error;
    return errorOutput(error instanceof Error ? error.message : String(error));
  }
}

function errorOutput(message: string): JSONValue {
  return { type: "error-text", value: message } satisfies LanguageModelV4ToolResultOutput;
}
