import type {
  JSONValue,
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Message,
  LanguageModelV4ToolResultOutput,
} from "@ai-sdk/provider";
import type { EffectContext, LiveReply, Outbound, PostedMessage } from "../channel.ts";
import { toHex } from "../crypto.ts";
import { log } from "../log.ts";
import { transientFailure } from "../retry.ts";
import { TurnTrace } from "../tracing.ts";
import { refusal, TurnParked, type ApprovalOutcome, type ApprovalRequest } from "./approval.ts";
import type { Journal, StepKind } from "./journal.ts";
import { callModel, type ModelStep, type StepUsage } from "./model-call.ts";
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
  /** Where the answer goes: once at the end, or growing in place where the channel can (`openLive`). */
  readonly outbound: Pick<Outbound, "reply" | "openLive" | "resumeLive">;
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
  /**
   * Asked before every model call: a reason stops the turn there, with that reason as its
   * answer and no further model call (a budget that ran out).
   */
  readonly budget?: () => string | null;
  /** Told the tokens of every model call as it returns (usage accounting, budgets). */
  readonly onUsage?: (usage: StepUsage, model: string) => void;
  /** The turn's spans; by default a fresh trace. */
  readonly trace?: TurnTrace;
  /** Passed to every model call; providers read only their own key (embedded models read `switchboard`). */
  readonly providerOptions?: LanguageModelV4CallOptions["providerOptions"];
  /** Span attributes every span carries (conversation key, delivery id). */
  readonly traceAttributes?: Record<string, string>;
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
  /** Set when a budget stopped the turn: the reason it gave. */
  readonly stoppedBy?: string;
  /** Tokens of the model calls made in this attempt (answered ones from the journal cost nothing now). */
  readonly usage: StepUsage;
  readonly trace: TurnTrace;
}

/**
 * One turn of model ↔ tools. Every step is journaled before its result is used, so a re-run
 * after a crash answers finished steps from the journal: no model call is paid twice and no
 * side effect happens twice. The step in flight at the crash is re-run with `replay: true`,
 * which is how outbound calls know to look for their platform-side marker first.
 */
export async function runTurn(input: TurnInput): Promise<TurnResult> {
  const { journal, onStep } = input;
  const trace = input.trace ?? new TurnTrace();
  const common = input.traceAttributes ?? {};
  let step = 0;
  let modelCalls = 0;
  let replayedSteps = 0;
  const spent = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };

  async function journaled<T extends JSONValue>(
    kind: StepKind,
    name: string,
    run: (effect: { idempotencyKey: string; replay: boolean }) => Promise<T>,
    spanAttributes: (output: T) => Record<string, string | number | boolean> = () => ({}),
  ): Promise<T> {
    const current = step++;
    const entry = journal.read(current);
    const attributes = { ...common, ...stepAttributes(kind, name), "switchboard.step": current, "switchboard.replayed": entry?.output !== undefined };
    return trace.span(spanName(kind, name), attributes, async () => {
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
    }, spanAttributes);
  }

  /**
   * The reply that grows in place, opened the first time there is something to show. Its step is
   * reserved up front (step 0), so every attempt finds it at the same place: the journal holds
   * its platform id, and after a crash the same message is finished.
   */
  let live: LiveReply | undefined;
  const liveEntry = journal.read(LIVE_STEP);
  // A turn an earlier version started has a model call at step 0, and no live reply; one an
  // earlier attempt opened live is finished live even if live replies were turned off since.
  const livePossible = liveEntry?.kind === "stream" || (input.outbound.openLive !== undefined && liveEntry === undefined);
  if (livePossible) step = LIVE_STEP + 1;
  async function ensureLive(): Promise<LiveReply | undefined> {
    if (live || !livePossible) return live;
    const entry = journal.read(LIVE_STEP);
    if (entry?.output !== undefined && input.outbound.resumeLive) {
      live = input.outbound.resumeLive((entry.output as { id: string }).id);
      replayedSteps++;
      onStep?.({ step: LIVE_STEP, kind: "stream", name: "open", replayed: true, externalMs: 0 });
      return live;
    }
    if (!input.outbound.openLive) return undefined;
    if (!entry) journal.begin(LIVE_STEP, "stream", "open");
    const started = performance.now();
    const opened = await trace.span("switchboard.stream", { ...common, "switchboard.step": LIVE_STEP }, () =>
      input.outbound.openLive!({ idempotencyKey: `${input.turnKey}:${LIVE_STEP}`, replay: entry !== undefined }),
    );
    journal.finish(LIVE_STEP, "stream", "open", { id: opened.id });
    onStep?.({ step: LIVE_STEP, kind: "stream", name: "open", replayed: false, externalMs: performance.now() - started });
    live = opened;
    return live;
  }
  /** What a live reply shows on the way is cosmetic: its finish writes the whole answer. */
  async function show(action: (reply: LiveReply) => Promise<void>): Promise<void> {
    const reply = await ensureLive();
    if (!reply) return;
    try {
      await action(reply);
    } catch (error) {
      log("turn.live_update_failed", { ...common, error: error instanceof Error ? error.message.slice(0, 200) : "unknown" });
    }
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
  let stoppedBy: string | undefined;
  while (step < input.maxSteps) {
    // A step the journal already answers costs nothing again; only a new model call is gated.
    const recorded = journal.read(step)?.output !== undefined;
    const exceeded = recorded ? null : (input.budget?.() ?? null);
    if (exceeded) {
      reply = exceeded;
      stoppedBy = exceeded;
      capped = false;
      break;
    }
    const streaming = livePossible;
    const result = (await journaled(
      "model",
      input.model.modelId,
      async () => {
        modelCalls++;
        const generated = await callModel(
          input.model,
          {
            prompt: [...messages],
            tools,
            toolChoice: { type: "auto" },
            ...(input.signal ? { abortSignal: input.signal } : {}),
            ...(input.providerOptions ? { providerOptions: input.providerOptions } : {}),
          },
          streaming ? (delta) => show((live) => live.append(delta)) : undefined,
        );
        if (generated.usage) {
          spent.inputTokens += generated.usage.inputTokens;
          spent.outputTokens += generated.usage.outputTokens;
          spent.cachedInputTokens += generated.usage.cachedInputTokens;
          input.onUsage?.(generated.usage, input.model.modelId);
        }
        return generated as unknown as JSONValue;
      },
      (output) => modelAttributes(output as unknown as ModelStep, input.model),
    )) as unknown as ModelStep;

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
      const taskId = `${input.turnKey}:${step}`;
      // Steps show in a live reply the answer's first words opened; a tool-only stretch opens none,
      // so an approval request asked on the way stays above the answer, not under an empty message.
      if (!refused && live) await show((reply) => reply.step({ id: taskId, title: stepTitle(call.toolName), status: "in_progress" }));
      const output = refused ?? (await journaled("tool", call.toolName, (effect) => callTool(input.tools, call, input.toolContext(effect)), () => ({ "gen_ai.tool.call.id": call.toolCallId })));
      if (!refused && live) {
        const failed = (output as { type?: string }).type === "error-text";
        await show((reply) => reply.step({ id: taskId, title: stepTitle(call.toolName), status: failed ? "error" : "complete" }));
      }
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
    // A turn that opened a live reply (now, or before a crash) finishes that same message.
    const opened = live ?? (journal.read(LIVE_STEP)?.kind === "stream" && livePossible ? await ensureLive() : undefined);
    posted = (await journaled("reply", "reply", async (effect) => {
      const sent = opened ? await opened.finish(reply, effect) : await input.outbound.reply(reply, effect);
      return { ...sent } as JSONValue;
    })) as unknown as PostedMessage;
  }
  return { reply, posted, steps: step, modelCalls, replayedSteps, capped, ...(stoppedBy ? { stoppedBy } : {}), usage: spent, trace };
}

/** How a tool step reads while it runs: "list_labels" → "List labels". */
function stepTitle(tool: string): string {
  const words = tool.replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function spanName(kind: StepKind, name: string): string {
  switch (kind) {
    case "model":
      return `chat ${name}`;
    case "tool":
      return `execute_tool ${name}`;
    default:
      return `switchboard.${kind}`;
  }
}

/** OpenTelemetry GenAI attributes of a step: what was called, never what was said. */
function stepAttributes(kind: StepKind, name: string): Record<string, string> {
  if (kind === "model") return { "gen_ai.operation.name": "chat", "gen_ai.request.model": name };
  if (kind === "tool") return { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name };
  return { "switchboard.step.kind": kind };
}

function modelAttributes(step: ModelStep, model: LanguageModelV4): Record<string, string | number> {
  return {
    "gen_ai.provider.name": model.provider,
    ...(step.usage
      ? { "gen_ai.usage.input_tokens": step.usage.inputTokens, "gen_ai.usage.output_tokens": step.usage.outputTokens, "gen_ai.usage.cached_input_tokens": step.usage.cachedInputTokens }
      : {}),
    ...(step.finishReason ? { "gen_ai.response.finish_reasons": step.finishReason } : {}),
    "switchboard.tool_calls": step.toolCalls.length,
  };
}

const DEFAULT_APPROVAL_TIMEOUT_MS = 24 * 3_600_000;
/** The live reply's step: reserved first, so every attempt of the turn finds it in one place. */
const LIVE_STEP = 0;

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
