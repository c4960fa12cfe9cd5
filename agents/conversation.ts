import type { LanguageModelV4Message } from "@ai-sdk/provider";
import { Agent, type Connection, type FiberRecoveryContext } from "agents";
import { channels } from "../channels/index.ts";
import type { AcceptOutcome, EffectContext, Outbound } from "../src/channel.ts";
import { loadConfig } from "../src/config.ts";
import { NormalizedEvent } from "../src/event.ts";
import type { Journal, JournalEntry, StepKind } from "../src/harness/journal.ts";
import type { ToolSet } from "../src/harness/tools.ts";
import { runTurn, type StepReport } from "../src/harness/turn.ts";
import { log } from "../src/log.ts";
import { isTransient } from "../src/outbox.ts";
import { resolveModel } from "../src/models/index.ts";
import { renderEvent } from "./triage/event-prompt.ts";
import { triage } from "./triage/index.ts";


/** What the live view shows: synced to connected clients by the agents SDK. */
export interface ConversationState {
  /** The most recent inbox rows, newest first. */
  readonly inbox: readonly { seq: number; dedupeId: string; status: string; attempts: number; error: string | null }[];
  readonly pending: number;
  readonly current: { seq: number; dedupeId: string; attempt: number; steps: StepReport[] } | null;
  readonly last: {
    seq: number;
    status: "done" | "failed" | "cancelled";
    reply?: string;
    error?: string;
    steps: number;
    /** The steps of the attempt that finished, as the journal answered or ran them. */
    journal?: StepReport[];
    /** Of this attempt only: a recovered turn answers finished steps from its journal. */
    modelCalls?: number;
    replayedSteps?: number;
  } | null;
  readonly turns: { done: number; failed: number };
}

type InboxRow = { seq: number; dedupe_id: string; event: string; attempts: number };

/** Turns whose journals stay for inspection; older journals are compacted away. */
const JOURNALS_KEPT = 5;
/**
 * Settled inbox rows kept (as dedupe ids only) to recognise redeliveries. Platforms redeliver
 * within minutes (Slack's last retry comes after 5 min, Linear's after 6 h), and a conversation
 * rarely sees 100 events in that time; an older redelivery would start a turn again.
 */
const SETTLED_KEPT = 100;
/** Compaction runs on every COMPACT_EVERY-th turn; storage stays bounded between runs. */
const COMPACT_EVERY = 10;
/** The fiber that runs a conversation's turns; recovery re-runs the turn it was in. */
const DRAIN_FIBER = "drain";

class TurnCancelled extends Error {
  override name = "TurnCancelled";
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS sb_inbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_id TEXT NOT NULL UNIQUE,
    event TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    received_at INTEGER NOT NULL,
    settled_at INTEGER,
    error TEXT
  );
  CREATE TABLE IF NOT EXISTS sb_alias (alias TEXT PRIMARY KEY, seq INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS sb_journal (
    seq INTEGER NOT NULL, step INTEGER NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, output TEXT,
    PRIMARY KEY (seq, step)
  );
  CREATE TABLE IF NOT EXISTS sb_history (id INTEGER PRIMARY KEY AUTOINCREMENT, role TEXT NOT NULL, content TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS sb_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/**
 * One Durable Object per conversation. `accept` makes an event durable and returns; turns
 * drain the inbox in arrival order, one at a time, each inside a fiber so an eviction mid-turn
 * is recovered and the turn re-run from its journal.
 */
export class ConversationAgent extends Agent<Env, ConversationState> {
  static override options = {
    // Viewers connect by conversation key, so they know it; no need to send it back.
    sendIdentityOnConnect: false,
    // While a turn runs, its keep-alive alarm is never further away than this. After a crash or
    // a restart that alarm is what wakes the conversation to finish the turn (the default, 30 s,
    // would leave an interrupted turn waiting that long).
    keepAliveIntervalMs: 2_000,
  };

  override initialState: ConversationState = { inbox: [], pending: 0, current: null, last: null, turns: { done: 0, failed: 0 } };
  /** True while the drain fiber's loop runs: an accepted event needs nothing more to be reached. */
  private draining = false;
  /** The running and the last turn, for `snapshot()`; persisted only when sent to a viewer. */
  private view: Pick<ConversationState, "current" | "last"> | undefined;
  /** Whether the bot has replied here: read once, then kept (only this object writes it). */
  private hasParticipated: boolean | undefined;
  /** The turn running in this isolate, so a cancel event can stop it. */
  private running: { seq: number; controller: AbortController } | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Tables exist before onFiberRecovered, which runs ahead of onStart.
    ctx.storage.sql.exec(SCHEMA);
  }

  /** Durably records the event; the turn runs after this returns. Safe to call twice. */
  async accept(input: unknown): Promise<AcceptOutcome> {
    const event = NormalizedEvent.parse(input);
    const sql = this.ctx.storage.sql;
    const ids = [event.dedupeId, ...event.aliases];
    const marks = ids.map(() => "?").join(", ");
    const seen = sql
      .exec<{ seq: number }>(
        `SELECT seq FROM sb_inbox WHERE dedupe_id IN (${marks}) UNION ALL SELECT seq FROM sb_alias WHERE alias IN (${marks}) LIMIT 1`,
        ...ids,
        ...ids,
      )
      .toArray()[0];
    if (seen) return { status: "duplicate", seq: seen.seq };
    if (!event.addressedToBot && !this.participated()) {
      return { status: "ignored", reason: "not addressed to the bot, and the bot has not taken part in this conversation" };
    }
    if (event.kind === "cancel") return this.cancel(event);
    if (!triage.triggers.includes(event.kind)) {
      return { status: "ignored", reason: `"${event.kind}" events do not start a turn` };
    }
    const seq = sql
      .exec<{ seq: number }>(
        "INSERT INTO sb_inbox (dedupe_id, event, received_at) VALUES (?, ?, ?) RETURNING seq",
        event.dedupeId,
        JSON.stringify(event),
        Date.now(),
      )
      .one().seq;
    for (const alias of event.aliases) sql.exec("INSERT OR IGNORE INTO sb_alias (alias, seq) VALUES (?, ?)", alias, seq);
    // No state broadcast here: the ack path stays short, and the turn publishes as it starts.
    this.drain();
    return { status: "accepted", seq };
  }

  /**
   * Stops the running turn (and one that is waiting for a retry): it ends as cancelled, with
   * no further platform call. The cancel event is kept only to recognise its redelivery.
   */
  private cancel(event: NormalizedEvent): AcceptOutcome {
    const sql = this.ctx.storage.sql;
    const target = sql
      .exec<{ seq: number }>("SELECT seq FROM sb_inbox WHERE status = 'pending' ORDER BY seq LIMIT 1")
      .toArray()[0];
    const seq = sql
      .exec<{ seq: number }>(
        "INSERT INTO sb_inbox (dedupe_id, status, received_at, settled_at) VALUES (?, 'done', ?, ?) RETURNING seq",
        event.dedupeId,
        Date.now(),
        Date.now(),
      )
      .one().seq;
    if (!target) return { status: "ignored", reason: "no turn is running in this conversation" };
    this.settle(target.seq, "cancelled", `cancelled by ${event.actor.name}`);
    if (this.running?.seq === target.seq) this.running.controller.abort(new TurnCancelled());
    log("turn.cancelled", { conversationKey: event.conversationKey, seq: target.seq });
    this.publish({ current: null, last: { seq: target.seq, status: "cancelled", steps: 0 } });
    return { status: "accepted", seq };
  }

  /** The scheduled wake-up, after a crash or for a retry: drains the inbox. */
  async wake(): Promise<void> {
    this.drain();
  }

  /**
   * Runs pending turns in order, in one fiber that lives while the inbox has pending events.
   *
   * Every acknowledged event is covered by that fiber: an event accepted while it runs is
   * reached by its loop, and otherwise this call registers a new one. `runFiber` writes its
   * `cf_agents_runs` row before its first await, so the row commits in the same write as the
   * event, before the ack; after a crash its recovery (onFiberRecovered) wakes the conversation.
   * That saves a scheduled wake-up and an alarm run per event. test/conversation.test.ts checks
   * the row is there when accept() returns.
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
        const row = this.ctx.storage.sql
          .exec<InboxRow>(
            "SELECT seq, dedupe_id, event, attempts FROM sb_inbox WHERE status = 'pending' ORDER BY seq LIMIT 1",
          )
          .toArray()[0];
        if (!row) return;
        const next = await this.turn(row).finally(() => {
          this.running = null;
        });
        if (next === "wait") return;
      }
    } finally {
      // In the same synchronous step as the query that found the inbox empty: an event accepted
      // from here on starts a new fiber instead of waiting for this one.
      this.draining = false;
    }
  }

  private async turn(row: InboxRow): Promise<"next" | "wait"> {
    const sql = this.ctx.storage.sql;
    const attempt = row.attempts + 1;
    // Counted before the work, so a turn that crashes the object every time still ends.
    sql.exec("UPDATE sb_inbox SET attempts = ? WHERE seq = ?", attempt, row.seq);
    const event = NormalizedEvent.parse(JSON.parse(row.event));
    const context = { conversationKey: event.conversationKey, dedupeId: event.dedupeId, seq: row.seq, attempt };
    if (attempt > triage.maxAttempts) {
      this.settle(row.seq, "failed", `gave up after ${triage.maxAttempts} attempts`);
      return "next";
    }
    const steps: StepReport[] = [];
    this.publish({ current: { seq: row.seq, dedupeId: event.dedupeId, attempt, steps } });
    let outbound: Outbound | undefined;
    const controller = new AbortController();
    this.running = { seq: row.seq, controller };
    const indicator = { idempotencyKey: `${event.dedupeId}:working`, replay: attempt > 1 };
    try {
      const channel = channels.find((candidate) => candidate.name === event.channel);
      const config = loadConfig(this.env as unknown as Record<string, unknown>, channels);
      const channelConfig = config.channels.get(event.channel);
      if (!channel || channelConfig === undefined) throw new Error(`channel ${event.channel} is not enabled`);
      outbound = channel.outbound(event.replyTo, channelConfig);
      const allowed = triage.tools[event.channel] ?? [];
      const tools: ToolSet = Object.fromEntries(
        Object.entries(outbound.tools).filter(([name]) => allowed.includes(name)),
      );
      const prompt = renderEvent(event);
      await this.indicate(outbound, true, indicator, context);
      const started = performance.now();
      const result = await runTurn({
        model: resolveModel(config.core, triage.defaultModel),
        instructions: triage.instructions,
        history: this.history(),
        prompt,
        tools,
        outbound,
        journal: this.journal(row.seq, attempt),
        signal: controller.signal,
        turnKey: event.dedupeId,
        maxSteps: triage.maxSteps,
        onStep: (step) => {
          steps.push(step);
          this.publish({ current: { seq: row.seq, dedupeId: event.dedupeId, attempt, steps } });
        },
      });
      if (controller.signal.aborted) return "next";
      await this.indicate(outbound, false, indicator, context);
      this.remember(prompt, result.reply);
      this.settle(row.seq, "done");
      log("turn.done", {
        ...context,
        steps: result.steps,
        replayed: result.replayedSteps,
        modelCalls: result.modelCalls,
        // Time of the turn and the part spent waiting on the model, tools and platform. workerd's
        // clock advances only across I/O, so CPU work shows up in neither: measure that outside.
        turnMs: Math.round((performance.now() - started) * 100) / 100,
        externalMs: Math.round(steps.reduce((sum, step) => sum + step.externalMs, 0) * 100) / 100,
      });
      this.publish({
        current: null,
        last: {
          seq: row.seq,
          status: "done",
          reply: result.reply,
          steps: result.steps,
          journal: steps,
          modelCalls: result.modelCalls,
          replayedSteps: result.replayedSteps,
        },
      });
      return "next";
    } catch (error) {
      // Cancelled: already settled by cancel(); say nothing more on the platform.
      if (controller.signal.aborted) return "next";
      const message = error instanceof Error ? error.message : String(error);
      // A permanent error (404, 422, Slack's channel_not_found…) will not go away on retry.
      if (attempt >= triage.maxAttempts || !isTransient(error)) {
        if (outbound) await this.indicate(outbound, false, indicator, context);
        this.settle(row.seq, "failed", message);
        log("turn.failed", { ...context, error: message });
        this.publish({ current: null, last: { seq: row.seq, status: "failed", error: message, steps: steps.length } });
        return "next";
      }
      const delaySeconds = 2 ** attempt;
      log("turn.retry", { ...context, error: message, delaySeconds });
      // Its own payload: an idempotent wake-up left by recovery must not absorb this one.
      await this.schedule(delaySeconds, "wake", { retry: row.seq, attempt });
      this.publish({ current: null });
      return "wait";
    }
  }

  /** The channel's working indicator; never allowed to fail a turn. */
  private async indicate(
    outbound: Outbound,
    on: boolean,
    effect: EffectContext,
    context: Record<string, string | number>,
  ): Promise<void> {
    if (!outbound.working) return;
    try {
      await outbound.working(on, effect);
    } catch (error) {
      log("turn.indicator_failed", { ...context, on, error: error instanceof Error ? error.message.slice(0, 200) : "unknown" });
    }
  }

  private settle(seq: number, status: "done" | "failed" | "cancelled", error?: string): void {
    const sql = this.ctx.storage.sql;
    sql.exec(
      "UPDATE sb_inbox SET status = ?, settled_at = ?, error = ?, event = NULL WHERE seq = ?",
      status,
      Date.now(),
      error ?? null,
      seq,
    );
    // Compaction, every COMPACT_EVERY turns (four statements each time): recent journals stay
    // for inspection, enough dedupe ids for the platforms' redeliveries, and the history the
    // model is shown.
    if (seq % COMPACT_EVERY !== 0) return;
    sql.exec("DELETE FROM sb_journal WHERE seq <= ?", seq - JOURNALS_KEPT);
    sql.exec("DELETE FROM sb_inbox WHERE status != 'pending' AND seq <= ?", seq - SETTLED_KEPT);
    sql.exec("DELETE FROM sb_alias WHERE seq <= ?", seq - SETTLED_KEPT);
    sql.exec("DELETE FROM sb_history WHERE id <= (SELECT MAX(id) FROM sb_history) - ?", triage.historyLimit);
  }

  private participated(): boolean {
    this.hasParticipated ??=
      this.ctx.storage.sql.exec("SELECT 1 FROM sb_meta WHERE key = 'participated'").toArray().length > 0;
    return this.hasParticipated;
  }

  /** The last `historyLimit` messages, oldest first (compaction deletes older ones now and then). */
  private history(): LanguageModelV4Message[] {
    return this.ctx.storage.sql
      .exec<{ role: "user" | "assistant"; content: string }>(
        "SELECT role, content FROM (SELECT id, role, content FROM sb_history ORDER BY id DESC LIMIT ?) ORDER BY id",
        triage.historyLimit,
      )
      .toArray()
      .map(({ role, content }) => ({ role, content: [{ type: "text", text: content }] }));
  }

  private remember(prompt: LanguageModelV4Message, reply: string): void {
    const sql = this.ctx.storage.sql;
    const text = prompt.role === "user" ? prompt.content.map((part) => (part.type === "text" ? part.text : "")).join("") : "";
    if (!reply) {
      sql.exec("INSERT INTO sb_history (role, content) VALUES ('user', ?)", text);
      return;
    }
    sql.exec("INSERT INTO sb_history (role, content) VALUES ('user', ?), ('assistant', ?)", text, reply);
    if (!this.participated()) {
      sql.exec("INSERT INTO sb_meta (key, value) VALUES ('participated', '1')");
      this.hasParticipated = true;
    }
  }

  private journal(seq: number, attempt: number): Journal {
    const sql = this.ctx.storage.sql;
    // Only a re-run finds entries (the attempt is counted before any step is written), and
    // nothing else writes them: one query for the whole turn, none on the first attempt.
    const recorded = new Map(
      attempt === 1
        ? []
        : sql
            .exec<{ step: number; kind: StepKind; name: string; output: string | null }>(
              "SELECT step, kind, name, output FROM sb_journal WHERE seq = ?",
              seq,
            )
            .toArray()
            .map((row) => [row.step, row] as const),
    );
    return {
      read(step: number): JournalEntry | undefined {
        const row = recorded.get(step);
        if (!row) return undefined;
        return { step, kind: row.kind, name: row.name, ...(row.output === null ? {} : { output: JSON.parse(row.output) }) };
      },
      begin(step, kind, name) {
        sql.exec("INSERT INTO sb_journal (seq, step, kind, name) VALUES (?, ?, ?, ?)", seq, step, kind, name);
      },
      finish(step, kind, name, output) {
        sql.exec(
          "INSERT INTO sb_journal (seq, step, kind, name, output) VALUES (?, ?, ?, ?, ?) ON CONFLICT (seq, step) DO UPDATE SET output = excluded.output",
          seq,
          step,
          kind,
          name,
          JSON.stringify(output),
        );
      },
    };
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
    const sql = this.ctx.storage.sql;
    const inbox = sql
      .exec<ConversationState["inbox"][number]>(
        "SELECT seq, dedupe_id AS dedupeId, status, attempts, error FROM sb_inbox ORDER BY seq DESC LIMIT 10",
      )
      .toArray();
    const { pending, done, failed } = sql
      .exec<{ pending: number; done: number; failed: number }>(
        `SELECT COALESCE(SUM(status = 'pending'), 0) AS pending, COALESCE(SUM(status = 'done'), 0) AS done,
                COALESCE(SUM(status = 'failed'), 0) AS failed FROM sb_inbox`,
      )
      .one();
    this.view ??= { current: null, last: this.state.last };
    return { ...this.view, inbox, pending, turns: { done, failed } };
  }

  /**
   * Records what the running or last turn looks like, and sends it to viewers if there are any.
   * Nobody watching is the normal case, and then it costs no SQLite statement and no write.
   */
  private publish(change: Partial<Pick<ConversationState, "current" | "last">>): void {
    this.view = { ...(this.view ?? { current: null, last: this.state.last }), ...change };
    for (const _viewer of this.getConnections()) {
      this.setState(this.snapshot());
      return;
    }
  }
}
