import type { LanguageModelV4Message } from "@ai-sdk/provider";
import type { NormalizedEvent } from "../event.ts";
import type { PostedMessage } from "../channel.ts";
import type { ApprovalOutcome, ApprovalRequest } from "../harness/approval.ts";
import { JOURNAL_SCHEMA, SqlJournal, type Sql } from "../harness/journal.ts";
import type { Follower } from "../harness/tools.ts";

/** A pending event as the drain loop reads it. */
export interface PendingTurn {
  readonly seq: number;
  readonly dedupeId: string;
  readonly event: NormalizedEvent;
  /** Attempts started before this one. */
  readonly attempts: number;
  /**
   * Of those, the ones that ended with their outcome on record (a transient failure, a parking
   * for approval, a failure before a re-run); the rest crashed mid-way.
   */
  readonly endedAttempts: number;
  /** Transient failures so far: the retry backoff grows with them. */
  readonly transientFailures: number;
  readonly receivedAt: number;
  /** Set while the turn waits out a transient failure: not to be run before this time. */
  readonly retryAt: number | null;
}

export type TurnStatus = "done" | "failed" | "cancelled";

/** An approval request a parked turn waits on. */
export interface ApprovalRecord {
  readonly id: string;
  readonly seq: number;
  /** The journal step its decision is recorded at. */
  readonly step: number;
  readonly request: ApprovalRequest;
  readonly posted: PostedMessage;
  readonly outcome: ApprovalOutcome | null;
  /** The delivery id of the event that decided it. */
  readonly decidedBy: string | null;
}

export interface InboxRow {
  readonly seq: number;
  readonly dedupeId: string;
  readonly status: string;
  readonly attempts: number;
  readonly error: string | null;
  readonly receivedAt: number;
  readonly retryAt: number | null;
}

export interface StoreLimits {
  /** Settled events kept (as dedupe ids) to recognise redeliveries. */
  readonly settledKept: number;
  /** Journals of the latest turns kept for inspection. */
  readonly journalsKept: number;
  /** Failed turns kept with their event and journal, for an operator to inspect and re-run. */
  readonly failedKept: number;
  /** Compaction runs on every `compactEvery`-th settled turn; storage stays bounded between runs. */
  readonly compactEvery: number;
}

/**
 * Platforms redeliver within minutes (Slack's last retry comes after 5 min, Linear's after 6 h),
 * and a conversation rarely sees 100 events in that time; an older redelivery would start a
 * turn again.
 */
/** How long per-turn usage rows are kept. */
const USAGE_KEPT_MS = 31 * 86_400_000;

export const STORE_LIMITS: StoreLimits = { settledKept: 100, journalsKept: 5, failedKept: 20, compactEvery: 10 };

/**
 * Every row written is billed (indexes, and SQLite's own sqlite_master and sqlite_sequence rows,
 * count as rows too), so the tables are shaped to write few: a table keyed by its primary key is
 * WITHOUT ROWID (an insert writes the row, not a row and an index entry); no AUTOINCREMENT (it
 * writes sqlite_sequence on every insert). Without it a deleted largest key would be handed out
 * again, and compaction never deletes the largest: it keeps the latest inbox rows and history.
 * Tables an older version created keep their shape; the statements below work on both.
 */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS sb_inbox (
    seq INTEGER PRIMARY KEY,
    dedupe_id TEXT NOT NULL UNIQUE,
    alias TEXT,
    event TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    received_at INTEGER NOT NULL,
    settled_at INTEGER,
    error TEXT,
    transient_failures INTEGER NOT NULL DEFAULT 0,
    retry_at INTEGER,
    ended_attempts INTEGER NOT NULL DEFAULT 0
  )`,
  // An event's further ids beyond the one its inbox row holds (no channel sends two today).
  "CREATE TABLE IF NOT EXISTS sb_alias (alias TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID",
  JOURNAL_SCHEMA,
  // One row per turn: the prompt, and the reply when there was one.
  "CREATE TABLE IF NOT EXISTS sb_history (id INTEGER PRIMARY KEY, role TEXT NOT NULL, content TEXT NOT NULL, reply TEXT)",
  "CREATE TABLE IF NOT EXISTS sb_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
  // Conversations that follow this one (a chat thread following the ticket filed from it).
  "CREATE TABLE IF NOT EXISTS sb_followers (conversation_key TEXT PRIMARY KEY, channel TEXT NOT NULL, reply_to TEXT NOT NULL, added_at INTEGER NOT NULL) WITHOUT ROWID",
  "CREATE TABLE IF NOT EXISTS sb_usage (seq INTEGER NOT NULL, day TEXT NOT NULL, model TEXT NOT NULL, input INTEGER NOT NULL, output INTEGER NOT NULL, cached INTEGER NOT NULL, usd REAL)",
  `CREATE TABLE IF NOT EXISTS sb_approvals (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, step INTEGER NOT NULL, request TEXT NOT NULL, posted TEXT NOT NULL,
    outcome TEXT, decided_by TEXT
  ) WITHOUT ROWID`,
];

/** Columns added after the first release: added to tables an older version created. */
const ADDED_COLUMNS: readonly [table: string, column: string, definition: string][] = [
  ["sb_inbox", "transient_failures", "INTEGER NOT NULL DEFAULT 0"],
  ["sb_inbox", "retry_at", "INTEGER"],
  ["sb_inbox", "ended_attempts", "INTEGER NOT NULL DEFAULT 0"],
  ["sb_inbox", "alias", "TEXT"],
  ["sb_history", "reply", "TEXT"],
];

/** An event's first alias is recognised in its own inbox row: one index entry instead of a row and its key. */
const ALIAS_INDEX = "CREATE UNIQUE INDEX IF NOT EXISTS sb_inbox_alias ON sb_inbox (alias) WHERE alias IS NOT NULL";

/**
 * A conversation's durable state in its SQLite: the inbox (one row per event, UNIQUE on the
 * platform's delivery id, plus aliases for events a platform delivers twice under two ids), the
 * owning agent, whether the bot has taken part, the history the model is shown, and compaction.
 * Every call is synchronous SQL: the Durable Object commits it with the output gate, before the
 * ack leaves. It knows no agent and no platform.
 */
export class ConversationStore {
  private readonly sql: Sql;
  private readonly limits: StoreLimits;
  private readonly now: () => number;
  private ownerName: string | null | undefined;
  private hasParticipated: boolean | undefined;

  constructor(sql: Sql, limits: StoreLimits = STORE_LIMITS, now: () => number = Date.now) {
    this.sql = sql;
    this.limits = limits;
    this.now = now;
    for (const statement of SCHEMA) sql.exec(statement);
    const columns = new Set(
      sql
        .exec<{ name: string }>("SELECT 'sb_inbox.' || name AS name FROM pragma_table_info('sb_inbox') UNION ALL SELECT 'sb_history.' || name FROM pragma_table_info('sb_history')")
        .toArray()
        .map((row) => row.name),
    );
    for (const [table, column, definition] of ADDED_COLUMNS) {
      if (!columns.has(`${table}.${column}`)) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
    }
    sql.exec(ALIAS_INDEX);
  }

  /** The inbox row an earlier delivery of this event made, under any of its ids. */
  seen(event: Pick<NormalizedEvent, "dedupeId" | "aliases">): number | undefined {
    const ids = [event.dedupeId, ...event.aliases];
    const marks = ids.map(() => "?").join(", ");
    return this.sql
      .exec<{ seq: number }>(
        `SELECT seq FROM sb_inbox WHERE dedupe_id IN (${marks}) OR alias IN (${marks}) UNION ALL SELECT seq FROM sb_alias WHERE alias IN (${marks}) LIMIT 1`,
        ...ids,
        ...ids,
        ...ids,
      )
      .toArray()[0]?.seq;
  }

  /** The agent that owns this conversation: the one its first accepted event was routed to. */
  owner(): string | null {
    this.ownerName ??= this.sql.exec<{ value: string }>("SELECT value FROM sb_meta WHERE key = 'agent'").toArray()[0]?.value ?? null;
    return this.ownerName;
  }

  /** Records the owner; an existing one stays unless `replace` (its agent is gone). */
  claim(agent: string, { replace = false } = {}): void {
    const current = this.owner();
    if (current === agent || (current !== null && !replace)) return;
    this.sql.exec("INSERT INTO sb_meta (key, value) VALUES ('agent', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", agent);
    this.ownerName = agent;
  }

  /** Whether the bot has replied here: read once, then kept (only this object writes it). */
  participated(): boolean {
    this.hasParticipated ??= this.sql.exec("SELECT 1 FROM sb_meta WHERE key = 'participated'").toArray().length > 0;
    return this.hasParticipated;
  }

  /** Records a conversation that follows this one; the first record of it stays. */
  addFollower(follower: Follower): void {
    this.sql.exec(
      "INSERT INTO sb_followers (conversation_key, channel, reply_to, added_at) VALUES (?, ?, ?, ?) ON CONFLICT (conversation_key) DO NOTHING",
      follower.conversationKey,
      follower.channel,
      JSON.stringify(follower.replyTo),
      this.now(),
    );
  }

  /** The conversations following this one, oldest first. */
  followers(): Follower[] {
    return this.sql
      .exec<{ conversation_key: string; channel: string; reply_to: string }>("SELECT conversation_key, channel, reply_to FROM sb_followers ORDER BY added_at, conversation_key")
      .toArray()
      .map((row) => ({ conversationKey: row.conversation_key, channel: row.channel, replyTo: JSON.parse(row.reply_to) as Record<string, unknown> }));
  }

  /** Puts the event in the inbox; its turn runs later. */
  enqueue(event: NormalizedEvent): number {
    const [alias = null, ...more] = event.aliases;
    const seq = this.sql
      .exec<{ seq: number }>(
        "INSERT INTO sb_inbox (dedupe_id, alias, event, received_at) VALUES (?, ?, ?, ?) RETURNING seq",
        event.dedupeId,
        alias,
        JSON.stringify(event),
        this.now(),
      )
      .one().seq;
    for (const further of more) this.sql.exec("INSERT OR IGNORE INTO sb_alias (alias, seq) VALUES (?, ?)", further, seq);
    return seq;
  }

  /** Records an event that starts no turn (a cancel), only so its redelivery is recognised. */
  recordSettled(dedupeId: string): number {
    const now = this.now();
    return this.sql
      .exec<{ seq: number }>(
        "INSERT INTO sb_inbox (dedupe_id, status, received_at, settled_at) VALUES (?, 'done', ?, ?) RETURNING seq",
        dedupeId,
        now,
        now,
      )
      .one().seq;
  }

  /** The oldest pending turn: turns run in arrival order, one at a time. */
  nextPending(): PendingTurn | undefined {
    const row = this.sql
      .exec<{
        seq: number;
        dedupe_id: string;
        event: string;
        attempts: number;
        ended_attempts: number;
        transient_failures: number;
        received_at: number;
        retry_at: number | null;
      }>(
        `SELECT seq, dedupe_id, event, attempts, ended_attempts, transient_failures, received_at, retry_at
         FROM sb_inbox WHERE status = 'pending' ORDER BY seq LIMIT 1`,
      )
      .toArray()[0];
    if (!row) return undefined;
    return {
      seq: row.seq,
      dedupeId: row.dedupe_id,
      event: JSON.parse(row.event) as NormalizedEvent,
      attempts: row.attempts,
      endedAttempts: row.ended_attempts,
      transientFailures: row.transient_failures,
      receivedAt: row.received_at,
      retryAt: row.retry_at,
    };
  }

  /** The oldest turn not settled: pending (running or waiting to) or parked on an approval. */
  openTurn(): { seq: number } | undefined {
    return this.sql.exec<{ seq: number }>("SELECT seq FROM sb_inbox WHERE status IN ('pending', 'parked') ORDER BY seq LIMIT 1").toArray()[0];
  }

  /** The stored event of a turn not yet settled (settled ones keep only their id). */
  eventOf(seq: number): NormalizedEvent | undefined {
    const row = this.sql.exec<{ event: string | null }>("SELECT event FROM sb_inbox WHERE seq = ?", seq).toArray()[0];
    return row?.event ? (JSON.parse(row.event) as NormalizedEvent) : undefined;
  }

  /** Counted before the work, so a turn that crashes the object every time still ends. */
  startAttempt(seq: number): number {
    return this.sql.exec<{ attempts: number }>("UPDATE sb_inbox SET attempts = attempts + 1, retry_at = NULL WHERE seq = ? RETURNING attempts", seq).one()
      .attempts;
  }

  /** The attempt ended in a failure worth retrying (rate limit, outage); it runs again at `retryAt`. */
  recordTransientFailure(seq: number, error: string, retryAt: number): void {
    this.sql.exec(
      "UPDATE sb_inbox SET transient_failures = transient_failures + 1, ended_attempts = attempts, error = ?, retry_at = ? WHERE seq = ?",
      error,
      retryAt,
      seq,
    );
  }

  /**
   * Ends a turn. A done or cancelled turn keeps only its dedupe id; a failed one keeps its event
   * and journal for an operator to inspect and re-run. Every `compactEvery` turns older rows go.
   */
  settle(seq: number, status: TurnStatus, { error, historyKept }: { error?: string; historyKept: number }): void {
    this.sql.exec(
      `UPDATE sb_inbox SET status = ?, settled_at = ?, error = ?, retry_at = NULL${status === "failed" ? "" : ", event = NULL"} WHERE seq = ?`,
      status,
      this.now(),
      error ?? null,
      seq,
    );
    if (seq % this.limits.compactEvery === 0) this.compact(seq, historyKept);
  }

  /**
   * Recent journals stay for inspection, failed turns for re-runs, enough dedupe ids for the
   * platforms' redeliveries, and the history the model is shown.
   */
  private compact(seq: number, historyKept: number): void {
    const { journalsKept, settledKept, failedKept } = this.limits;
    const failedFloor =
      this.sql
        .exec<{ seq: number }>("SELECT seq FROM sb_inbox WHERE status = 'failed' ORDER BY seq DESC LIMIT 1 OFFSET ?", failedKept - 1)
        .toArray()[0]?.seq ?? 0;
    this.sql.exec(
      "DELETE FROM sb_journal WHERE seq <= ? AND (seq < ? OR seq NOT IN (SELECT seq FROM sb_inbox WHERE status = 'failed'))",
      seq - journalsKept,
      failedFloor,
    );
    this.sql.exec(
      "DELETE FROM sb_inbox WHERE status != 'pending' AND seq <= ? AND (status != 'failed' OR seq < ?)",
      seq - settledKept,
      failedFloor,
    );
    this.sql.exec("DELETE FROM sb_alias WHERE seq <= ?", seq - settledKept);
    this.sql.exec("DELETE FROM sb_approvals WHERE seq <= ? AND outcome IS NOT NULL", seq - settledKept);
    // Daily budgets read today's rows; a month of them answers "what did this conversation cost".
    this.sql.exec("DELETE FROM sb_usage WHERE day < ?", new Date(this.now() - USAGE_KEPT_MS).toISOString().slice(0, 10));
    this.sql.exec("DELETE FROM sb_history WHERE id <= (SELECT MAX(id) FROM sb_history) - ?", historyKept);
  }

  /**
   * Puts a failed turn back in the inbox; its journal answers the steps that finished. Its
   * earlier attempts all ended with a recorded failure, so none counts as a crash.
   */
  rerun(seq: number): boolean {
    return (
      this.sql
        .exec(
          `UPDATE sb_inbox SET status = 'pending', ended_attempts = attempts, error = NULL, settled_at = NULL
           WHERE seq = ? AND status = 'failed' AND event IS NOT NULL RETURNING seq`,
          seq,
        )
        .toArray().length > 0
    );
  }

  /** The last `limit` messages, oldest first. */
  history(limit: number): LanguageModelV4Message[] {
    const message = (role: "user" | "assistant", text: string): LanguageModelV4Message => ({ role, content: [{ type: "text", text }] });
    return this.sql
      .exec<{ role: "user" | "assistant"; content: string; reply: string | null }>(
        "SELECT role, content, reply FROM (SELECT id, role, content, reply FROM sb_history ORDER BY id DESC LIMIT ?) ORDER BY id",
        limit,
      )
      .toArray()
      .flatMap(({ role, content, reply }) => (reply === null ? [message(role, content)] : [message(role, content), message("assistant", reply)]))
      .slice(-limit);
  }

  /**
   * Adds a turn's exchange to the history; a reply also marks the bot as taking part here, unless
   * `participates` is false (the participation index could not list the conversation yet).
   */
  remember(prompt: string, reply: string, { participates = true }: { participates?: boolean } = {}): void {
    // The exchange in one row: one row written per turn, not two.
    this.sql.exec("INSERT INTO sb_history (role, content, reply) VALUES ('user', ?, ?)", prompt, reply || null);
    if (!reply) return;
    if (participates && !this.participated()) {
      this.sql.exec("INSERT INTO sb_meta (key, value) VALUES ('participated', '1')");
      this.hasParticipated = true;
    }
  }

  /**
   * Parks a turn on an approval request: out of the drain's way (later events run) until the
   * decision puts it back. The attempt ended on record, so it is not counted as a crash.
   */
  park(seq: number, approval: { request: ApprovalRequest; step: number; posted: PostedMessage }): void {
    this.sql.exec("UPDATE sb_inbox SET status = 'parked', ended_attempts = attempts WHERE seq = ?", seq);
    this.sql.exec(
      "INSERT INTO sb_approvals (id, seq, step, request, posted) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
      approval.request.id,
      seq,
      approval.step,
      JSON.stringify(approval.request),
      JSON.stringify(approval.posted),
    );
  }

  /** The request by id, or without one the oldest still open in this conversation. */
  approval(id?: string): ApprovalRecord | undefined {
    const row = (
      id === undefined
        ? this.sql.exec<ApprovalRow>("SELECT * FROM sb_approvals WHERE outcome IS NULL ORDER BY seq, step LIMIT 1")
        : this.sql.exec<ApprovalRow>("SELECT * FROM sb_approvals WHERE id = ?", id)
    ).toArray()[0];
    return row && approvalRecord(row);
  }

  /** The undecided requests of one turn. */
  openApprovals(seq: number): ApprovalRecord[] {
    return this.sql.exec<ApprovalRow>("SELECT * FROM sb_approvals WHERE seq = ? AND outcome IS NULL", seq).toArray().map(approvalRecord);
  }

  /**
   * Records the decision and puts its turn back in the inbox, in one synchronous step: the
   * journal holds the outcome at the step the turn stopped at, so the re-run reads it there.
   * False when the request was already decided (a double click, a redelivered interaction).
   */
  decide(id: string, outcome: ApprovalOutcome, decidedBy: string): boolean {
    const decided = this.sql
      .exec<ApprovalRow>("UPDATE sb_approvals SET outcome = ?, decided_by = ? WHERE id = ? AND outcome IS NULL RETURNING *", JSON.stringify(outcome), decidedBy, id)
      .toArray()[0];
    if (!decided) return false;
    new SqlJournal(this.sql, decided.seq, true).finish(decided.step, "approval", JSON.parse(decided.request).tool, {
      approve: outcome.approve,
      by: outcome.by,
      expired: outcome.expired,
    });
    this.sql.exec("UPDATE sb_inbox SET status = 'pending' WHERE seq = ? AND status = 'parked'", decided.seq);
    return true;
  }

  /** What one attempt of a turn spent on one model; `usd` null when the model has no price. */
  recordUsage(seq: number, model: string, usage: { inputTokens: number; outputTokens: number; cachedInputTokens: number }, usd: number | null, day: string): void {
    this.sql.exec(
      "INSERT INTO sb_usage (seq, day, model, input, output, cached, usd) VALUES (?, ?, ?, ?, ?, ?, ?)",
      seq,
      day,
      model,
      usage.inputTokens,
      usage.outputTokens,
      usage.cachedInputTokens,
      usd,
    );
  }

  /** What this conversation spent on `day`, or by one turn when `seq` is given. */
  spent(filter: { day?: string; seq?: number }): { inputTokens: number; outputTokens: number; usd: number } {
    return this.sql
      .exec<{ inputTokens: number; outputTokens: number; usd: number }>(
        `SELECT COALESCE(SUM(input), 0) AS inputTokens, COALESCE(SUM(output), 0) AS outputTokens, COALESCE(SUM(usd), 0) AS usd
         FROM sb_usage WHERE (? IS NULL OR day = ?) AND (? IS NULL OR seq = ?)`,
        filter.day ?? null,
        filter.day ?? null,
        filter.seq ?? null,
        filter.seq ?? null,
      )
      .one();
  }

  /** Failed turns still kept (newest first), with their event, for an operator to inspect and re-run. */
  failedTurns(limit: number): { seq: number; dedupeId: string; attempts: number; error: string | null; event: NormalizedEvent | null }[] {
    return this.sql
      .exec<{ seq: number; dedupe_id: string; attempts: number; error: string | null; event: string | null }>(
        "SELECT seq, dedupe_id, attempts, error, event FROM sb_inbox WHERE status = 'failed' ORDER BY seq DESC LIMIT ?",
        limit,
      )
      .toArray()
      .map((row) => ({
        seq: row.seq,
        dedupeId: row.dedupe_id,
        attempts: row.attempts,
        error: row.error,
        event: row.event === null ? null : (JSON.parse(row.event) as NormalizedEvent),
      }));
  }

  /** Messages the history holds (compaction bounds it). */
  historySize(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) + COUNT(reply) AS n FROM sb_history").one().n;
  }

  /** The latest inbox rows, newest first, and counts by status: what the live view and operators see. */
  summary(rows = 10): { inbox: InboxRow[]; pending: number; parked: number; done: number; failed: number } {
    const inbox = this.sql
      .exec<{ seq: number; dedupe_id: string; status: string; attempts: number; error: string | null; received_at: number; retry_at: number | null }>(
        "SELECT seq, dedupe_id, status, attempts, error, received_at, retry_at FROM sb_inbox ORDER BY seq DESC LIMIT ?",
        rows,
      )
      .toArray()
      .map((row) => ({
        seq: row.seq,
        dedupeId: row.dedupe_id,
        status: row.status,
        attempts: row.attempts,
        error: row.error,
        receivedAt: row.received_at,
        retryAt: row.retry_at,
      }));
    const counts = this.sql
      .exec<{ pending: number; parked: number; done: number; failed: number }>(
        `SELECT COALESCE(SUM(status = 'pending'), 0) AS pending, COALESCE(SUM(status = 'parked'), 0) AS parked,
                COALESCE(SUM(status = 'done'), 0) AS done, COALESCE(SUM(status = 'failed'), 0) AS failed FROM sb_inbox`,
      )
      .one();
    return { inbox, ...counts };
  }
}

type ApprovalRow = { id: string; seq: number; step: number; request: string; posted: string; outcome: string | null; decided_by: string | null };

function approvalRecord(row: ApprovalRow): ApprovalRecord {
  return {
    id: row.id,
    seq: row.seq,
    step: row.step,
    request: JSON.parse(row.request) as ApprovalRequest,
    posted: JSON.parse(row.posted) as PostedMessage,
    outcome: row.outcome === null ? null : (JSON.parse(row.outcome) as ApprovalOutcome),
    decidedBy: row.decided_by,
  };
}
