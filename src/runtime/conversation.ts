import { Agent, type Connection, type FiberRecoveryContext } from "agents";
import type { AgentDefinition } from "../agent.ts";
import { toolsFor } from "../agent.ts";
import type { AcceptOutcome, Channel, EffectContext, Outbound, PostedMessage } from "../channel.ts";
import { z } from "zod";
import { loadAgentSettings, loadConfig } from "../config.ts";
import { ChannelName, NormalizedEvent, ReplyTo } from "../event.ts";
import { PROMPT_EVENT_KEY, type AgentBudgets } from "../agent.ts";
import { TurnParked, type ApprovalOutcome, type ApprovalRequest } from "../harness/approval.ts";
import type { StepUsage } from "../harness/model-call.ts";
import { costOf, type PriceTable } from "../pricing.ts";
import { TurnTrace, type SpanRecord } from "../tracing.ts";
import { ledgerName, NO_SPEND, utcDay, type Spend } from "./ledger.ts";
import { SqlJournal } from "../harness/journal.ts";
import type { Follower, Followers } from "../harness/tools.ts";
import { runTurn, type StepReport } from "../harness/turn.ts";
import { log } from "../log.ts";
import { resolveModel } from "../models/index.ts";
import { retryAt, transientFailure } from "../retry.ts";
import type { Router } from "../routing.ts";
import { ConversationStore, STORE_LIMITS, type InboxRow, type PendingTurn } from "./store.ts";
import { participationPlace } from "./participation.ts";
import { createSandbox } from "../sandbox/run.ts";
import { clearWorkspace, type ConversationWorkspace, openWorkspace, WorkspaceRetention } from "../sandbox/workspace.ts";

/** How long a closed ticket's workspace is kept (a reopen within it keeps it), before its files are deleted. */
export const WORKSPACE_RETENTION_MS = 7 * 86_400_000;

/** What the live view shows: synced to connected clients by the agents SDK. */
export interface ConversationState {
  /** The agent that owns the conversation, once an event was accepted. */
  readonly agent: string | null;
  /** The most recent inbox rows, newest first. */
  readonly inbox: readonly InboxRow[];
  readonly pending: number;
  /** Turns parked on an approval request. */
  readonly parked: number;
  readonly current: { seq: number; dedupeId: string; attempt: number; steps: StepReport[] } | null;
  readonly last: {
    seq: number;
    status: "done" | "failed" | "cancelled" | "waiting" | "parked";
    reply?: string;
    error?: string;
    steps: number;
    /** The steps of the attempt that finished, as the journal answered or ran them. */
    journal?: StepReport[];
    /** Of this attempt only: a recovered turn answers finished steps from its journal. */
    modelCalls?: number;
    replayedSteps?: number;
    /** When a turn that failed transiently (rate limit, outage) runs again, epoch ms. */
    retryAt?: number;
    /** What a parked turn waits for a person to approve. */
    approval?: { id: string; tool: string; summary: string; expiresAt: number };
    /** What the attempt spent: tokens, and dollars when its models have a price. */
    usage?: { inputTokens: number; outputTokens: number; usd: number | null };
    /** The attempt's spans (turn → model → tool → reply), without message content. */
    spans?: SpanRecord[];
  } | null;
  readonly turns: { done: number; failed: number };
  /** What this conversation spent today (UTC). */
  readonly today?: { inputTokens: number; outputTokens: number; usd: number };
}

type UsageTotals = { readonly inputTokens: number; readonly outputTokens: number; readonly usd: number };

/** A conversation as `inspect()` reports it to an operator. */
export interface ConversationReport {
  readonly conversationKey: string;
  readonly agent: string | null;
  readonly participated: boolean;
  readonly inbox: readonly InboxRow[];
  readonly counts: { readonly pending: number; readonly parked: number; readonly done: number; readonly failed: number };
  readonly historyMessages: number;
  /** Tokens and dollars this conversation spent: today (UTC), and over the month the store keeps. */
  readonly usage: { readonly today: UsageTotals; readonly kept: UsageTotals };
  readonly failedTurns: readonly {
    readonly seq: number;
    readonly dedupeId: string;
    readonly attempts: number;
    readonly error: string | null;
    readonly kind: string | null;
    /** `output` is the step's recorded result as JSON text, with `content` only. */
    readonly journal: readonly { step: number; kind: string; name: string; finished: boolean; output?: string }[];
    readonly text?: string;
  }[];
  /** With `content`: the latest messages the model is shown. */
  readonly history?: readonly { role: string; text: string }[];
}

/** What the runtime is given by the composition root: the agents, their routing, the channels. */
export interface RuntimeRegistry {
  readonly router: Router;
  readonly channels: readonly Channel<unknown>[];
  /** Model prices, for costs and dollar budgets. */
  readonly prices: PriceTable;
}

/** What `addFollower` accepts: it arrives over RPC from another conversation. */
const FollowerInput: z.ZodType<Follower> = z.object({ conversationKey: z.string().min(1).max(300), channel: ChannelName, replyTo: ReplyTo });

/** The fiber that runs a conversation's turns; recovery re-runs the turn it was in. */
const DRAIN_FIBER = "drain";

class TurnCancelled extends Error {
  override name = "TurnCancelled";
}

/**
 * One Durable Object per conversation, running whichever declared agent owns it. `accept` makes
 * an event durable and returns; turns drain the inbox in arrival order, one at a time, in one
 * fiber per busy period, so an eviction mid-turn is recovered and the turn re-run from its
 * journal. It knows no agent and no platform: the composition root hands it a registry.
 */
export abstract class ConversationRuntime extends Agent<Env, ConversationState> {
  static override options = {
    // Viewers connect by conversation key, so they know it; no need to send it back.
    sendIdentityOnConnect: false,
    // While a turn runs, its keep-alive alarm is never further away than this. After a crash or
    // a restart that alarm is what wakes the conversation to finish the turn (the default, 30 s,
    // would leave an interrupted turn waiting that long).
    keepAliveIntervalMs: 2_000,
  };

  /** The agents, routing and channels this Worker was composed with (a getter: the SDK's constructor may need it). */
  protected abstract get registry(): RuntimeRegistry;

  override initialState: ConversationState = { agent: null, inbox: [], pending: 0, parked: 0, current: null, last: null, turns: { done: 0, failed: 0 } };
  private readonly store: ConversationStore;
  /** True while the drain fiber's loop runs: an accepted event needs nothing more to be reached. */
  private draining = false;
  /** The running and the last turn, for `snapshot()`; persisted only when sent to a viewer. */
  private view: Partial<Pick<ConversationState, "current" | "last">> = {};
  /** The turn running in this isolate, so a cancel event can stop it. */
  private running: { seq: number; controller: AbortController } | null = null;
  /** The conversation's files, opened the first time an agent with a workspace needs them. */
  private files: ConversationWorkspace | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Tables exist before onFiberRecovered, which runs ahead of onStart.
    this.store = new ConversationStore(ctx.storage.sql);
  }

  /**
   * Durably records the event for `agentName` (routing's choice; a conversation stays with the
   * agent that owns it) and returns; the turn runs after. Safe to call twice.
   */
  async accept(input: unknown, agentName: string): Promise<AcceptOutcome> {
    const event = NormalizedEvent.parse(input);
    const seen = this.store.seen(event);
    if (seen !== undefined) return { status: "duplicate", seq: seen };
    if (event.approval) {
      // A decision is handled in turn, like any event: who decided may need checking with the platform.
      const open = this.store.approval(event.approval.id);
      if (!open || open.outcome) return { status: "ignored", reason: open ? "this request was already decided" : "no approval request is open here" };
      const seq = this.store.enqueue(event);
      this.drain();
      return { status: "accepted", seq };
    }
    // A conversation others follow (a ticket filed from a chat thread) hears what happens in it.
    if (!event.addressedToBot && !this.store.participated() && this.store.followers().length === 0) {
      return { status: "ignored", reason: "not addressed to the bot, and the bot has not taken part in this conversation" };
    }
    if (event.kind === "cancel") return this.cancel(event);
    const owner = this.owner();
    const agent = owner ?? this.registry.router.agent(agentName);
    if (!agent) return { status: "ignored", reason: `no agent named "${agentName}" is registered` };
    if (!agent.triggers.includes(event.kind)) {
      return { status: "ignored", reason: `"${event.kind}" events do not start a turn of agent "${agent.name}"` };
    }
    this.store.claim(agent.name, { replace: owner === undefined });
    const seq = this.store.enqueue(event);
    // No state broadcast here: the ack path stays short, and the turn publishes as it starts.
    this.drain();
    return { status: "accepted", seq };
  }

  /** The registered agent this conversation belongs to, if it has one yet. */
  private owner(): AgentDefinition | undefined {
    const name = this.store.owner();
    return name === null ? undefined : this.registry.router.agent(name);
  }

  /**
   * A conversation an earlier version started records no owner, and one whose owner was removed
   * from the Worker has none registered: the agent routing picks now takes it over.
   */
  private adopt(event: NormalizedEvent): AgentDefinition | undefined {
    const decision = this.registry.router.route(event);
    if (!("agent" in decision)) return undefined;
    log("conversation.adopted", { conversationKey: event.conversationKey, agent: decision.agent.name, previous: this.store.owner() ?? "none" });
    this.store.claim(decision.agent.name, { replace: true });
    return decision.agent;
  }

  /**
   * Stops the running turn (and one that is waiting for a retry): it ends as cancelled, with
   * no further platform call. The cancel event is kept only to recognise its redelivery.
   */
  private cancel(event: NormalizedEvent): AcceptOutcome {
    const target = this.store.openTurn();
    const seq = this.store.recordSettled(event.dedupeId);
    if (!target) return { status: "ignored", reason: "no turn is running in this conversation" };
    // A turn parked on an approval is cancelled with its request, which nobody can decide after.
    for (const approval of this.store.openApprovals(target.seq)) {
      this.store.decide(approval.id, { approve: false, by: `${event.actor.name} (cancelled)`, expired: false }, event.dedupeId);
    }
    this.store.settle(target.seq, "cancelled", { error: `cancelled by ${event.actor.name}`, historyKept: this.historyKept() });
    if (this.running?.seq === target.seq) this.running.controller.abort(new TurnCancelled());
    log("turn.cancelled", { conversationKey: event.conversationKey, seq: target.seq });
    this.publish({ current: null, last: { seq: target.seq, status: "cancelled", steps: 0 } });
    return { status: "accepted", seq };
  }

  /**
   * Records a conversation that follows this one (the chat thread a ticket was filed from): its
   * turns may then answer there too, and events not addressed to the bot are heard. Safe to repeat.
   */
  async addFollower(input: unknown): Promise<void> {
    const follower = FollowerInput.parse(input);
    // A followed conversation hears what is not addressed to the bot: listed first, so the
    // ingress hands it those events from the moment the follower is recorded.
    if (!(await this.listInIndex(this.name))) throw new Error("the participation index did not answer; follow again");
    this.store.addFollower(follower);
    log("conversation.followed", { conversationKey: this.name, follower: follower.conversationKey });
  }

  /** Lists this conversation in its place's participation index; false when the index did not answer. */
  private async listInIndex(conversationKey: string): Promise<boolean> {
    try {
      await this.env.PARTICIPATION.getByName(participationPlace(conversationKey)).list(conversationKey);
      return true;
    } catch (error) {
      // Not counted as taking part, then: the next turn that replies lists it again.
      log("conversation.not_listed", { conversationKey, error: error instanceof Error ? error.message.slice(0, 200) : "unknown" });
      return false;
    }
  }

  /** Puts a failed turn back in the inbox (operators: after an outage, or a fix); the journal answers its finished steps. */
  async rerun(seq: number): Promise<boolean> {
    const queued = this.store.rerun(seq);
    if (queued) this.drain();
    return queued;
  }

  /**
   * What an operator sees of this conversation: its owner, inbox, history size, and the failed
   * turns kept with their journals. Message text, tool inputs and outputs only with `content`.
   */
  async inspect({ content = false }: { content?: boolean } = {}): Promise<ConversationReport> {
    const { inbox, pending, parked, done, failed } = this.store.summary(20);
    const failedTurns = this.store.failedTurns(STORE_LIMITS.failedKept).map((turn) => ({
      seq: turn.seq,
      dedupeId: turn.dedupeId,
      attempts: turn.attempts,
      error: turn.error,
      kind: turn.event?.kind ?? null,
      journal: SqlJournal.entries(this.ctx.storage.sql, turn.seq).map((entry) => ({
        step: entry.step,
        kind: entry.kind,
        name: entry.name,
        finished: entry.output !== undefined,
        ...(content && entry.output !== undefined ? { output: JSON.stringify(entry.output) } : {}),
      })),
      ...(content && turn.event ? { text: turn.event.text } : {}),
    }));
    return {
      conversationKey: this.name,
      agent: this.store.owner(),
      participated: this.store.participated(),
      inbox,
      counts: { pending, parked, done, failed },
      historyMessages: this.store.historySize(),
      usage: { today: this.store.spent({ day: utcDay() }), kept: this.store.spent({}) },
      failedTurns,
      ...(content ? { history: this.store.history(20).map((message) => ({ role: message.role, text: textOf(message.content) })) } : {}),
    };
  }

  /** The scheduled wake-up, after a crash or for a retry: drains the inbox. */
  async wake(): Promise<void> {
    this.drain();
  }

  /** An approval request's deadline: still undecided, it expires as denied and its turn goes on. */
  async expireApproval({ id }: { id: string }): Promise<void> {
    const approval = this.store.approval(id);
    if (!approval || approval.outcome) return;
    if (Date.now() < approval.request.expiresAt) {
      await this.schedule(new Date(approval.request.expiresAt), "expireApproval", { id });
      return;
    }
    const outcome: ApprovalOutcome = { approve: false, by: "expiry", expired: true };
    this.store.decide(id, outcome, "expiry");
    log("approval.expired", { conversationKey: this.name, approval: id, tool: approval.request.tool });
    const event = this.store.eventOf(approval.seq);
    if (event) await this.showOutcome(event, approval, outcome);
    this.drain();
  }

  /**
   * Runs pending turns in order, in one fiber that lives while the inbox has pending events.
   *
   * Every acknowledged event is covered by that fiber: an event accepted while it runs is
   * reached by its loop, and otherwise this call registers a new one. `runFiber` writes its
   * `cf_agents_runs` row before its first await, so the row commits in the same write as the
   * event, before the ack; after a crash its recovery (onFiberRecovered) wakes the conversation.
   */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    let entered = false;
    const run = this.runFiber(DRAIN_FIBER, () => {
      entered = true;
      return this.drainInbox();
    });
    this.ctx.waitUntil(
      run.catch((error: unknown) => {
        // A fiber that failed before its loop ran leaves nobody draining; a loop that ran has
        // already said so itself, and a newer fiber may be draining by now.
        if (!entered) this.draining = false;
        log("turn.drain_failed", { conversationKey: this.name, error: error instanceof Error ? error.message : String(error) });
      }),
    );
  }

  override async onFiberRecovered(ctx: FiberRecoveryContext): Promise<void> {
    // `turn:<seq>` is what earlier versions named their per-turn fibers: a conversation that was
    // interrupted under one of them is recovered the same way after an upgrade.
    if (ctx.name !== DRAIN_FIBER && !ctx.name.startsWith("turn:")) return;
    log("turn.recovered", { conversationKey: this.name, fiber: ctx.name });
    // Never run the turn from inside recovery: re-queue it and return.
    await this.schedule(0, "wake", undefined, { idempotent: true });
  }

  private async drainInbox(): Promise<void> {
    try {
      for (;;) {
        const pending = this.store.nextPending();
        if (!pending) return;
        // A turn waiting out a rate limit or an outage holds the line, so later events keep their
        // order; its scheduled wake-up runs it when the platform said it may.
        if (pending.retryAt !== null && pending.retryAt > Date.now()) {
          // Normally its wake-up is already scheduled; making sure costs one idempotent row.
          await this.schedule(new Date(pending.retryAt), "wake", { retry: pending.seq }, { idempotent: true });
          return;
        }
        if ((await this.turn(pending).finally(() => (this.running = null))) === "wait") return;
      }
    } finally {
      // In the same synchronous step as the query that found the inbox empty: an event accepted
      // from here on starts a new fiber instead of waiting for this one.
      this.draining = false;
    }
  }

  private async turn(pending: PendingTurn): Promise<"next" | "wait"> {
    const { seq, event } = pending;
    const attempt = this.store.startAttempt(seq);
    const context = { conversationKey: event.conversationKey, dedupeId: event.dedupeId, seq, attempt };
    const agent = this.owner() ?? this.adopt(event);
    if (!agent) {
      this.finish(seq, "failed", `no registered agent takes this conversation (its owner: ${this.store.owner() ?? "none"})`, context);
      return "next";
    }
    // Attempts that did not end on record crashed mid-way; a turn that keeps crashing the object
    // must still end.
    const crashed = attempt - 1 - pending.endedAttempts;
    if (crashed >= agent.limits.maxAttempts) {
      this.finish(seq, "failed", `gave up after ${crashed} attempts that did not finish`, context);
      return "next";
    }
    const steps: StepReport[] = [];
    let outbound: Outbound | undefined;
    let spending: Spending | undefined;
    let trace: TurnTrace | undefined;
    let modelId = "";
    const controller = new AbortController();
    this.running = { seq, controller };
    const indicator = { idempotencyKey: `${event.dedupeId}:working`, replay: attempt > 1 };
    try {
      const { replyOn, target, channelConfig, core } = this.outboundFor(event);
      if (event.approval) {
        await this.decide(event, replyOn, context);
        this.store.settle(seq, "done", { historyKept: agent.limits.historyLimit });
        return "next";
      }
      this.publish({ current: { seq, dedupeId: event.dedupeId, attempt, steps } });
      outbound = replyOn;
      const prompt = agent.prompt(event);
      await this.indicate(replyOn, true, indicator, context);
      const started = performance.now();
      const model = resolveModel(core, agent.model);
      modelId = model.modelId;
      const telemetry = core.TURN_TELEMETRY === "on";
      trace = new TurnTrace(telemetry);
      spending = await this.spending(agent.budgets, tenantOf(event, this.registry.channels, target), telemetry);
      const traced = { "switchboard.conversation_key": event.conversationKey, "switchboard.dedupe_id": event.dedupeId };
      const result = await trace.span(`invoke_agent ${agent.name}`, { ...traced, "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent.name, "switchboard.attempt": attempt }, () => runTurn({
        model,
        instructions: agent.instructions,
        history: this.store.history(agent.limits.historyLimit),
        prompt,
        tools: toolsFor(agent, event.channel, { languageModel: model !== agent.model }),
        toolContext: (effect) => ({
          ...effect,
          event,
          signal: controller.signal,
          progress: async (step) => replyOn.progress?.(step, effect),
          channel: { name: event.channel, target, config: channelConfig },
          channelConfig: (name) => loadConfig(this.env, this.registry.channels).channels.get(name),
          settings: () => {
            const settings = loadAgentSettings(this.env, agent);
            if (!settings.ok) throw new Error(`the ${agent.name} agent's settings are not usable: ${settings.problems.join("; ")}`);
            return settings.value;
          },
          followers: this.followersFor(event),
          ...this.workspaceFor(agent),
        }),
        // Without live replies the answer is posted once; a turn an earlier attempt opened live
        // is still finished in that same message (resumeLive stays).
        outbound: core.LIVE_REPLIES === "on" ? replyOn : { ...replyOn, openLive: undefined },
        requestApproval: (request, effect) =>
          replyOn.requestApproval ? replyOn.requestApproval(request, effect) : replyOn.reply(approvalByReply(request), effect),
        approvalTimeoutMs: agent.limits.approvalTimeoutMs,
        agent: agent.name,
        journal: new SqlJournal(this.ctx.storage.sql, seq, attempt === 1),
        signal: controller.signal,
        turnKey: event.dedupeId,
        maxSteps: agent.limits.maxSteps,
        onStep: (step) => {
          steps.push(step);
          this.publish({ current: { seq, dedupeId: event.dedupeId, attempt, steps } });
        },
        budget: () => spending!.exceeded(),
        onUsage: (usage) => spending!.add(usage, costOf(this.registry.prices, model, usage)),
        trace,
        traceAttributes: traced,
        ...(core.EMBEDDED_STREAM_PACE_MS > 0 ? { providerOptions: { [PROMPT_EVENT_KEY]: { streamPaceMs: core.EMBEDDED_STREAM_PACE_MS } } } : {}),
      }));
      if (controller.signal.aborted) return "next";
      await this.indicate(replyOn, false, indicator, context);
      // Listed before the bot counts as taking part here: the ingress hands this conversation
      // what is not addressed to the bot only once its place's index lists it.
      const listed = result.reply === "" || this.store.participated() || (await this.listInIndex(event.conversationKey));
      this.store.remember(promptText(prompt), result.reply, { participates: listed });
      this.settleSpending(seq, spending, model.modelId);
      this.store.settle(seq, "done", { historyKept: agent.limits.historyLimit });
      if (agent.workspace) await this.keepWorkspaceFor(event);
      log("turn.done", {
        ...context,
        agent: agent.name,
        steps: result.steps,
        replayed: result.replayedSteps,
        modelCalls: result.modelCalls,
        inputTokens: result.usage.inputTokens,
        outputTokens: result.usage.outputTokens,
        ...(result.stoppedBy ? { stoppedBy: "budget" } : {}),
        // Time of the turn and the part spent waiting on the model, tools and platform. workerd's
        // clock advances only across I/O, so CPU work shows up in neither: measure that outside.
        turnMs: Math.round((performance.now() - started) * 100) / 100,
        // A live reply opens inside the model call streaming into it: its time is already counted there.
        externalMs: Math.round(steps.reduce((sum, step) => sum + (step.kind === "stream" ? 0 : step.externalMs), 0) * 100) / 100,
      });
      this.publish({
        current: null,
        last: {
          seq,
          status: "done",
          reply: result.reply,
          steps: result.steps,
          journal: steps,
          modelCalls: result.modelCalls,
          replayedSteps: result.replayedSteps,
          usage: spending.turn(),
          spans: trace.spans,
        },
      });
      return "next";
    } catch (error) {
      // What the attempt spent is spent, whatever became of it.
      if (spending) this.settleSpending(seq, spending, modelId);
      // Cancelled: already settled by cancel(); say nothing more on the platform.
      if (controller.signal.aborted) return "next";
      if (error instanceof TurnParked) {
        await this.park(seq, error, context);
        if (outbound) await this.indicate(outbound, false, indicator, context);
        this.publish({
          current: null,
          last: {
            seq,
            status: "parked",
            steps: steps.length,
            journal: steps,
            approval: { id: error.request.id, tool: error.request.tool, summary: error.request.summary, expiresAt: error.request.expiresAt },
            // What the attempt spent and where its time went up to the request, as for a finished turn.
            ...(spending ? { usage: spending.turn() } : {}),
            ...(trace ? { spans: trace.spans } : {}),
          },
        });
        return "next";
      }
      const message = error instanceof Error ? error.message || error.name : String(error);
      const failure = transientFailure(error);
      const deadline = pending.receivedAt + agent.limits.retryWindowMs;
      // A permanent error (404, 422, Slack's channel_not_found…) will not go away on retry; a
      // transient one is retried until the retry window closes.
      if (!failure || Date.now() >= deadline) {
        if (outbound) await this.indicate(outbound, false, indicator, context);
        const reason = failure ? `still failing when the ${formatDuration(agent.limits.retryWindowMs)} retry window closed: ${message}` : message;
        this.finish(seq, "failed", reason, context, steps.length);
        return "next";
      }
      // Whole seconds, rounded up: the alarm's resolution, so the wake-up never comes before it.
      const at = Math.ceil(Math.min(deadline, retryAt(Date.now(), pending.transientFailures + 1, failure.retryAfterMs)) / 1000) * 1000;
      this.store.recordTransientFailure(seq, message.slice(0, 500), at);
      log("turn.retry", { ...context, error: message, delaySeconds: Math.round((at - Date.now()) / 1000) });
      // Its own payload: an idempotent wake-up left by recovery must not absorb this one.
      await this.schedule(new Date(at), "wake", { retry: seq, attempt });
      this.publish({ current: null, last: { seq, status: "waiting", error: message, steps: steps.length, retryAt: at } });
      return "wait";
    }
  }

  /**
   * The attempt's spending against the agent's budgets: what the conversation (and, with tenant
   * budgets, the workspace) spent today before it, plus what it spends as it goes. The
   * workspace's ledger is read once, here; concurrent turns there can overshoot by their own spend.
   */
  /** The conversation's workspace: in its SQLite, with large files in R2 where WORKSPACE_FILES is bound. */
  private openFiles(): ConversationWorkspace {
    const r2 = (this.env as { WORKSPACE_FILES?: R2Bucket }).WORKSPACE_FILES;
    return openWorkspace(this.ctx.storage.sql, r2 ? { r2, name: () => this.name } : undefined);
  }

  private async spending(budgets: AgentBudgets, tenant: string, enabled: boolean): Promise<Spending> {
    const day = utcDay();
    const conversation = this.store.spent({ day });
    const tenantBudgeted = budgets.tenantTokensPerDay !== undefined || budgets.tenantUsdPerDay !== undefined;
    const workspace = enabled && tenantBudgeted ? await this.env.USAGE_LEDGER.getByName(ledgerName(tenant)).totals() : NO_SPEND;
    return new Spending(budgets, { conversation, workspace }, tenant, day, enabled);
  }

  /** Whether any agent of this Worker has a workspace budget (a budget added mid-day counts from then on). */
  private tenantBudgeted(): boolean {
    return this.registry.router.agents.some((agent) => agent.budgets.tenantTokensPerDay !== undefined || agent.budgets.tenantUsdPerDay !== undefined);
  }

  /** Records the attempt's usage by the conversation, and charges the day's ledgers off the turn's path. */
  private settleSpending(seq: number, spending: Spending, modelId: string): void {
    const charged = spending.take();
    if (!charged) return;
    this.store.recordUsage(seq, modelId || "unknown", charged, charged.usd, spending.day);
    const spend: Spend = { turns: 1, inputTokens: charged.inputTokens, outputTokens: charged.outputTokens, usd: charged.usd ?? 0 };
    // A workspace's ledger is read only by workspace budgets: without one anywhere, charging it
    // is a request and a row written that nobody reads. ("*" is the day's total on /health.)
    for (const scope of this.tenantBudgeted() ? [spending.tenant, "*"] : ["*"]) {
      this.ctx.waitUntil(
        this.env.USAGE_LEDGER.getByName(ledgerName(scope)).charge(spend).then(
          () => undefined,
          (error: unknown) => log("usage.ledger_failed", { conversationKey: this.name, error: error instanceof Error ? error.message.slice(0, 200) : "unknown" }),
        ),
      );
    }
  }

  /**
   * The workspace and the sandbox, for an agent that declared `workspace` (or `code`). The
   * sandbox is told the names of the Worker's bindings and variables (never their values), so a
   * snippet that reads one is refused by name.
   */
  private workspaceFor(agent: AgentDefinition): { workspace?: ConversationWorkspace; sandbox?: ReturnType<typeof createSandbox> } {
    if (!agent.workspace) return {};
    this.files ??= this.openFiles();
    const loader = (this.env as Partial<Env>).LOADER;
    if (!loader) return { workspace: this.files };
    const hostNames = Object.keys(this.env);
    const sandbox = createSandbox(loader);
    return {
      workspace: this.files,
      sandbox: {
        runSnippet: (input) => sandbox.runSnippet({ hostNames, ...input }),
        runProgram: (input, providers) => sandbox.runProgram({ hostNames, ...input }, providers),
      },
    };
  }

  /**
   * A closed ticket's files are deleted once the retention period passes (a reopen within it
   * keeps them): the conversation then holds only its compacted inbox and history.
   */
  private async keepWorkspaceFor(event: NormalizedEvent): Promise<void> {
    const retention = new WorkspaceRetention(this.ctx.storage.sql);
    if (event.kind === "issue_closed") {
      const closedAt = Date.now();
      retention.mark(closedAt);
      await this.schedule(new Date(closedAt + WORKSPACE_RETENTION_MS), "purgeWorkspace", { closedAt });
    } else if (event.kind === "issue_reopened") {
      retention.mark(null);
    }
  }

  /** The retention alarm: deletes the workspace's files unless the conversation was reopened (or closed again later). */
  async purgeWorkspace({ closedAt }: { closedAt: number | null }): Promise<void> {
    const retention = new WorkspaceRetention(this.ctx.storage.sql);
    const closed = retention.closedAt();
    if (closed === null || closed !== closedAt || Date.now() < closed + WORKSPACE_RETENTION_MS) return;
    this.files ??= this.openFiles();
    const removed = await clearWorkspace(this.files, this.ctx.storage.sql);
    log("workspace.purged", { conversationKey: this.name, entries: removed });
  }

  /** How a turn of `event` reaches the conversations following this one, and follows others. */
  private followersFor(event: NormalizedEvent): Followers {
    return {
      follow: (conversationKey) =>
        this.env.CONVERSATION.getByName(conversationKey).addFollower({ conversationKey: event.conversationKey, channel: event.channel, replyTo: event.replyTo }),
      list: () => this.store.followers(),
      tell: (follower, markdown, effect) => this.answerer(follower.channel, follower.replyTo).reply(markdown, effect),
    };
  }

  /** The outbound client of `channelName` on a reply target its schema accepts. */
  private answerer(channelName: string, replyTo: unknown): Outbound {
    const channel = this.registry.channels.find((candidate) => candidate.name === channelName);
    const config = loadConfig(this.env, this.registry.channels).channels.get(channelName);
    if (!channel || config === undefined) throw new Error(`channel ${channelName} is not enabled`);
    return channel.outbound(channel.target.parse(replyTo), config);
  }

  /** The conversation's channel, ready to answer: its outbound client on the event's checked target. */
  private outboundFor(event: NormalizedEvent) {
    const { channels } = this.registry;
    const config = loadConfig(this.env, channels);
    const channel = channels.find((candidate) => candidate.name === event.channel);
    const channelConfig = config.channels.get(event.channel);
    if (!channel || channelConfig === undefined) throw new Error(`channel ${event.channel} is not enabled`);
    // Checked by the channel's own schema at the ingress; again here for events stored by an earlier version.
    const target = channel.target.parse(event.replyTo);
    return { replyOn: channel.outbound(target, channelConfig), target, channelConfig, core: config.core };
  }

  /**
   * Parks the turn on its approval request: no fiber, no alarm loop, one wake-up at the request's
   * deadline. The drain moves on to later events.
   */
  private async park(seq: number, parked: TurnParked, context: Record<string, string | number>): Promise<void> {
    this.store.park(seq, { request: parked.request, step: parked.step, posted: parked.posted });
    await this.schedule(new Date(parked.request.expiresAt), "expireApproval", { id: parked.request.id });
    log("turn.parked", { ...context, tool: parked.request.tool, approval: parked.request.id });
  }

  /**
   * A person's answer to an approval request: who may decide is the channel's to say; an allowed
   * decision goes in the parked turn's journal and puts it back in the inbox, and the request
   * shows the outcome. A second answer (a double click, a redelivery) changes nothing.
   */
  private async decide(event: NormalizedEvent, replyOn: Outbound, context: Record<string, string | number>): Promise<void> {
    const approval = this.store.approval(event.approval!.id);
    if (!approval) return;
    if (approval.outcome) {
      // This very event decided it before a crash: finish showing the outcome.
      if (approval.decidedBy === event.dedupeId) await this.showOutcome(event, approval, approval.outcome);
      return;
    }
    if (!(await replyOn.mayApprove?.(event))) {
      log("approval.refused", { ...context, approval: approval.id, actor: event.actor.id });
      await replyOn.refuseApprover?.(event, `you may not approve or deny ${approval.request.tool} here`);
      return;
    }
    const outcome: ApprovalOutcome = { approve: event.approval!.approve, by: event.actor.name, expired: false };
    this.store.decide(approval.id, outcome, event.dedupeId);
    log("approval.decided", { ...context, approval: approval.id, tool: approval.request.tool, approve: outcome.approve });
    await this.showOutcome(event, approval, outcome);
  }

  /** The outcome on the request message; best effort, like the working indicator. */
  private async showOutcome(event: NormalizedEvent, approval: { posted: PostedMessage; request: ApprovalRequest }, outcome: ApprovalOutcome): Promise<void> {
    try {
      await this.outboundFor(event).replyOn.resolveApproval?.(approval.posted, approval.request, outcome);
    } catch (error) {
      log("approval.outcome_not_shown", { conversationKey: this.name, error: error instanceof Error ? error.message.slice(0, 200) : "unknown" });
    }
  }

  private finish(seq: number, status: "failed", error: string, context: Record<string, string | number>, steps = 0): void {
    this.store.settle(seq, status, { error, historyKept: this.historyKept() });
    log("turn.failed", { ...context, error });
    this.publish({ current: null, last: { seq, status, error, steps } });
  }

  private historyKept(): number {
    return this.owner()?.limits.historyLimit ?? 100;
  }

  /** The channel's working indicator; never allowed to fail a turn. */
  private async indicate(outbound: Outbound, on: boolean, effect: EffectContext, context: Record<string, string | number>): Promise<void> {
    if (!outbound.working) return;
    try {
      await outbound.working(on, effect);
    } catch (error) {
      log("turn.indicator_failed", { ...context, on, error: error instanceof Error ? error.message.slice(0, 200) : "unknown" });
    }
  }

  /** Live viewers (the dev playground) watch; they never write state. */
  override shouldConnectionBeReadonly(): boolean {
    return true;
  }

  /**
   * A viewer that connects gets the conversation as it is now, in the SDK's state-sync message
   * (setState is refused here: it would count as a change made by the read-only viewer).
   */
  override onConnect(connection: Connection): void {
    connection.send(JSON.stringify({ type: "cf_agent_state", state: this.snapshot() }));
  }

  /**
   * The conversation as the live view shows it: the inbox from SQLite, the running and the last
   * turn from memory (after an eviction, the last one a viewer was sent).
   */
  snapshot(): ConversationState {
    const { inbox, pending, parked, done, failed } = this.store.summary();
    // Read only for a viewer: the SDK's state, read the first time, creates its table and writes the initial state.
    if (this.view.last === undefined) this.view = { ...this.view, last: this.state.last };
    const { current = null, last = null } = this.view;
    return { current, last, agent: this.store.owner(), inbox, pending, parked, turns: { done, failed }, today: this.store.spent({ day: utcDay() }) };
  }

  /**
   * Records what the running or last turn looks like, and sends it to viewers if there are any.
   * Nobody watching is the normal case, and then it costs no SQLite statement and no write.
   */
  private publish(change: Partial<Pick<ConversationState, "current" | "last">>): void {
    this.view = { ...this.view, ...change };
    for (const _viewer of this.getConnections()) {
      this.setState(this.snapshot());
      return;
    }
  }
}

function promptText(prompt: { role: string; content: unknown }): string {
  return prompt.role === "user" ? textOf(prompt.content) : "";
}

function textOf(content: unknown): string {
  if (!Array.isArray(content)) return typeof content === "string" ? content : "";
  return content.map((part: { type: string; text?: string }) => (part.type === "text" ? (part.text ?? "") : "")).join("");
}

/** Tokens and dollars of one attempt, checked against the agent's budgets before each model call. */
class Spending {
  private inputTokens = 0;
  private outputTokens = 0;
  private cachedInputTokens = 0;
  private usd: number | null = 0;
  private taken = false;
  readonly tenant: string;
  readonly day: string;
  private readonly budgets: AgentBudgets;
  private readonly before: { conversation: { inputTokens: number; outputTokens: number; usd: number }; workspace: Spend };
  private readonly enabled: boolean;

  constructor(budgets: AgentBudgets, before: Spending["before"], tenant: string, day: string, enabled: boolean) {
    this.budgets = budgets;
    this.before = before;
    this.tenant = tenant;
    this.day = day;
    this.enabled = enabled;
  }

  add(usage: StepUsage, usd: number | null): void {
    this.inputTokens += usage.inputTokens;
    this.outputTokens += usage.outputTokens;
    this.cachedInputTokens += usage.cachedInputTokens;
    this.usd = this.usd === null || usd === null ? null : this.usd + usd;
  }

  turn(): { inputTokens: number; outputTokens: number; usd: number | null } {
    return { inputTokens: this.inputTokens, outputTokens: this.outputTokens, usd: this.usd };
  }

  /** The attempt's usage, once (a turn settles it whichever way it ends); nothing when it spent nothing. */
  take(): (StepUsage & { usd: number | null }) | null {
    if (this.taken || !this.enabled || this.inputTokens + this.outputTokens === 0) return null;
    this.taken = true;
    return { inputTokens: this.inputTokens, outputTokens: this.outputTokens, cachedInputTokens: this.cachedInputTokens, usd: this.usd };
  }

  /** Why no further model call may start, or null. */
  exceeded(): string | null {
    if (!this.enabled) return null;
    const tokens = this.inputTokens + this.outputTokens;
    const usd = this.usd ?? 0;
    const { budgets, before } = this;
    const resets = "It resets at 00:00 UTC.";
    if (budgets.turnTokens !== undefined && tokens >= budgets.turnTokens) {
      return `I stopped here: this answer reached its budget of ${budgets.turnTokens.toLocaleString("en")} tokens.`;
    }
    if (budgets.conversationTokensPerDay !== undefined && before.conversation.inputTokens + before.conversation.outputTokens + tokens >= budgets.conversationTokensPerDay) {
      return `I stopped here: this conversation reached its daily budget of ${budgets.conversationTokensPerDay.toLocaleString("en")} tokens. ${resets}`;
    }
    if (budgets.conversationUsdPerDay !== undefined && before.conversation.usd + usd >= budgets.conversationUsdPerDay) {
      return `I stopped here: this conversation reached its daily budget of $${budgets.conversationUsdPerDay}. ${resets}`;
    }
    if (budgets.tenantTokensPerDay !== undefined && before.workspace.inputTokens + before.workspace.outputTokens + tokens >= budgets.tenantTokensPerDay) {
      return `I stopped here: this workspace reached its daily budget of ${budgets.tenantTokensPerDay.toLocaleString("en")} tokens. ${resets}`;
    }
    if (budgets.tenantUsdPerDay !== undefined && before.workspace.usd + usd >= budgets.tenantUsdPerDay) {
      return `I stopped here: this workspace reached its daily budget of $${budgets.tenantUsdPerDay}. ${resets}`;
    }
    return null;
  }
}

/**
 * The workspace an event belongs to, for workspace budgets: the installation the channel names
 * (a Slack team, a Linear organization, a GitHub installation), else the conversation key's
 * first two parts (`discord:<guild>`, `github:<owner>/…` → `github:<owner>`).
 */
function tenantOf(event: NormalizedEvent, channels: readonly Channel<unknown>[], target: unknown): string {
  const installation = channels.find((channel) => channel.name === event.channel)?.installations?.of(target);
  if (installation) return `${event.channel}:${installation}`;
  const [name, scope] = event.conversationKey.split(":");
  return `${name}:${(scope ?? "").split("/")[0]}`;
}

/** An approval request where the channel has no form of its own: a reply asking for a command. */
function approvalByReply(request: ApprovalRequest): string {
  return [
    `**${request.agent}** asks for approval to ${request.summary}.`,
    "",
    `Reply \`/approve\` to let it, or \`/deny\`. Without an answer it expires ${new Date(request.expiresAt).toISOString().replace("T", " ").slice(0, 16)} UTC.`,
  ].join("\n");
}

function formatDuration(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`;
}
