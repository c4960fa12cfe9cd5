import { describe, expect, it } from "vitest";
import type { NormalizedEvent } from "../../src/event.ts";
import { SqlJournal } from "../../src/harness/journal.ts";
import { ConversationStore, STORE_LIMITS } from "../../src/runtime/store.ts";
import { memorySql } from "../support/node-sql.ts";

function event(n: number, aliases: string[] = []): NormalizedEvent {
  return {
    channel: "github",
    dedupeId: `delivery-${n}`,
    aliases,
    conversationKey: "github:acme/app#1",
    kind: "comment",
    actor: { id: "1", name: "octocat", isBot: false, isSelf: false },
    text: `message ${n}`,
    addressedToBot: true,
    occurredAt: "2026-11-27T10:00:00.000Z",
    replyTo: { owner: "acme", repo: "app", number: 1, isPullRequest: false },
  };
}

function store(now = () => 1_000) {
  const sql = memorySql();
  return { sql, store: new ConversationStore(sql, STORE_LIMITS, now) };
}

describe("conversation store (the inbox, history and compaction over SQLite)", () => {
  it("recognises a redelivery by its delivery id or by any alias", () => {
    const { store: s } = store();
    const seq = s.enqueue(event(1, ["slack:T1:C1:1700000000.000100"]));
    expect(s.seen(event(1))).toBe(seq);
    expect(s.seen({ dedupeId: "another-id", aliases: ["slack:T1:C1:1700000000.000100"] })).toBe(seq);
    expect(s.seen(event(2))).toBeUndefined();
  });

  it("runs turns in arrival order, counts attempts before the work, and waits out transient failures", () => {
    const { store: s } = store();
    const first = s.enqueue(event(1));
    s.enqueue(event(2));
    expect(s.nextPending()).toMatchObject({ seq: first, dedupeId: "delivery-1", attempts: 0, retryAt: null });
    expect(s.startAttempt(first)).toBe(1);
    s.recordTransientFailure(first, "HTTP 503", 5_000);
    // The failing turn stays at the head: later events keep their order behind it.
    expect(s.nextPending()).toMatchObject({ seq: first, attempts: 1, transientFailures: 1, endedAttempts: 1, retryAt: 5_000 });
    expect(s.startAttempt(first)).toBe(2);
    expect(s.nextPending()).toMatchObject({ retryAt: null });
    s.settle(first, "done", { historyKept: 20 });
    expect(s.nextPending()).toMatchObject({ dedupeId: "delivery-2" });
  });

  it("keeps a failed turn's event for a re-run; a done turn keeps only its id", () => {
    const { sql, store: s } = store();
    const done = s.enqueue(event(1));
    const failed = s.enqueue(event(2));
    s.settle(done, "done", { historyKept: 20 });
    s.startAttempt(failed);
    s.settle(failed, "failed", { error: "404 Not Found", historyKept: 20 });
    const rows = sql.exec<{ seq: number; event: string | null; status: string }>("SELECT seq, event, status FROM sb_inbox ORDER BY seq").toArray();
    expect(rows.map((row) => [row.status, row.event === null])).toEqual([
      ["done", true],
      ["failed", false],
    ]);
    expect(s.rerun(done)).toBe(false);
    expect(s.rerun(failed)).toBe(true);
    expect(s.rerun(failed)).toBe(false);
    // Its earlier attempt failed on record, so the re-run starts with no crash counted against it.
    expect(s.nextPending()).toMatchObject({ seq: failed, attempts: 1, endedAttempts: 1 });
  });

  it("records the owning agent once; another agent takes over only when asked to", () => {
    const { store: s } = store();
    expect(s.owner()).toBeNull();
    s.claim("reviewer");
    s.claim("triage");
    expect(s.owner()).toBe("reviewer");
    s.claim("triage", { replace: true });
    expect(s.owner()).toBe("triage");
  });

  it("the bot takes part in a conversation once it has replied there, not before", () => {
    const { sql, store: s } = store();
    s.remember("hello", "");
    expect(s.participated()).toBe(false);
    s.remember("is it a bug?", "It reads like one.");
    expect(s.participated()).toBe(true);
    expect(new ConversationStore(sql).participated()).toBe(true);
    expect(s.history(10).map((message) => message.role)).toEqual(["user", "user", "assistant"]);
    expect(s.history(1)).toEqual([{ role: "assistant", content: [{ type: "text", text: "It reads like one." }] }]);
  });

  it("compaction bounds storage: recent journals, failed turns, enough dedupe ids, the history shown", () => {
    const { sql, store: s } = store();
    for (let n = 1; n <= 250; n++) {
      const seq = s.enqueue(event(n, [`alias-${n}`]));
      s.startAttempt(seq);
      const journal = new SqlJournal(sql, seq, true);
      journal.finish(0, "model", "embedded", { text: "ok" });
      s.remember(`message ${n}`, `answer ${n}`);
      s.settle(seq, n % 50 === 7 ? "failed" : "done", { historyKept: 20, ...(n % 50 === 7 ? { error: "422" } : {}) });
    }
    const count = (query: string) => sql.exec<{ n: number }>(query).one().n;
    // Compaction last ran at seq 250.
    expect(count("SELECT COUNT(*) AS n FROM sb_inbox WHERE status = 'done'")).toBeLessThanOrEqual(STORE_LIMITS.settledKept);
    expect(count("SELECT COUNT(*) AS n FROM sb_alias")).toBeLessThanOrEqual(STORE_LIMITS.settledKept);
    // Every failed turn (5 of them, fewer than failedKept) keeps its row and its journal.
    expect(count("SELECT COUNT(*) AS n FROM sb_inbox WHERE status = 'failed' AND event IS NOT NULL")).toBe(5);
    expect(count("SELECT COUNT(DISTINCT seq) AS n FROM sb_journal")).toBe(STORE_LIMITS.journalsKept + 5);
    expect(count("SELECT COUNT(*) AS n FROM sb_history")).toBeLessThanOrEqual(20 + 2 * STORE_LIMITS.compactEvery);
    expect(s.seen(event(250))).toBe(250);
    expect(s.seen(event(1))).toBeUndefined();
  });

  it("opens a conversation an earlier version created, adding the columns it lacks", () => {
    const sql = memorySql();
    sql.exec(`CREATE TABLE sb_inbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, dedupe_id TEXT NOT NULL UNIQUE, event TEXT, status TEXT NOT NULL DEFAULT 'pending',
      attempts INTEGER NOT NULL DEFAULT 0, received_at INTEGER NOT NULL, settled_at INTEGER, error TEXT)`);
    sql.exec("INSERT INTO sb_inbox (dedupe_id, event, received_at) VALUES ('old', ?, 1)", JSON.stringify(event(1)));
    const s = new ConversationStore(sql);
    expect(s.nextPending()).toMatchObject({ dedupeId: "old", transientFailures: 0, endedAttempts: 0, retryAt: null });
  });

  it("keeps recognising what an earlier version stored (aliases in their own table, a history row per message) beside what it stores now", () => {
    const sql = memorySql();
    sql.exec(`CREATE TABLE sb_inbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, dedupe_id TEXT NOT NULL UNIQUE, event TEXT, status TEXT NOT NULL DEFAULT 'pending',
      attempts INTEGER NOT NULL DEFAULT 0, received_at INTEGER NOT NULL, settled_at INTEGER, error TEXT)`);
    sql.exec("CREATE TABLE sb_alias (alias TEXT PRIMARY KEY, seq INTEGER NOT NULL)");
    sql.exec("CREATE TABLE sb_history (id INTEGER PRIMARY KEY AUTOINCREMENT, role TEXT NOT NULL, content TEXT NOT NULL)");
    sql.exec("INSERT INTO sb_inbox (dedupe_id, status, received_at) VALUES ('old', 'done', 1)");
    sql.exec("INSERT INTO sb_alias (alias, seq) VALUES ('slack:T1:C1:1700000000.000100', 1)");
    sql.exec("INSERT INTO sb_history (role, content) VALUES ('user', 'before'), ('assistant', 'earlier answer')");
    const s = new ConversationStore(sql);
    expect(s.seen({ dedupeId: "twin-of-old", aliases: ["slack:T1:C1:1700000000.000100"] })).toBe(1);
    const seq = s.enqueue(event(2, ["slack:T1:C1:1700000000.000200"]));
    expect(s.seen({ dedupeId: "twin-of-new", aliases: ["slack:T1:C1:1700000000.000200"] })).toBe(seq);
    s.remember("after", "new answer");
    expect(s.history(10).map((message) => [message.role, (message.content[0] as { text: string }).text])).toEqual([
      ["user", "before"],
      ["assistant", "earlier answer"],
      ["user", "after"],
      ["assistant", "new answer"],
    ]);
    expect(s.historySize()).toBe(4);
  });

  it("an event's alias lives in its inbox row: a twin delivery is recognised, and compaction forgets both together", () => {
    const { sql, store: s } = store();
    const seq = s.enqueue(event(1, ["slack:T1:C1:1700000000.000100"]));
    expect(sql.exec<{ alias: string }>("SELECT alias FROM sb_inbox WHERE seq = ?", seq).one().alias).toBe("slack:T1:C1:1700000000.000100");
    expect(sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sb_alias").one().n).toBe(0);
    expect(s.seen({ dedupeId: "another-id", aliases: ["slack:T1:C1:1700000000.000100"] })).toBe(seq);
  });

  it("never hands out a sequence number twice, though the inbox has no AUTOINCREMENT: compaction always keeps the latest rows", () => {
    const { store: s } = store();
    const seqs: number[] = [];
    for (let n = 1; n <= 260; n++) {
      const seq = s.enqueue(event(n));
      seqs.push(seq);
      s.startAttempt(seq);
      s.settle(seq, "done", { historyKept: 20 });
    }
    expect(seqs).toEqual(seqs.map((_, index) => index + 1));
  });
});

describe("SQL journal", () => {
  it("a first attempt reads nothing; a re-run answers finished steps and shows the one in flight", () => {
    const sql = memorySql();
    new ConversationStore(sql);
    const first = new SqlJournal(sql, 7, true);
    first.finish(0, "model", "embedded", { text: "", toolCalls: [] });
    first.begin(1, "tool", "add_labels");
    expect(first.read(0)).toBeUndefined();

    const rerun = new SqlJournal(sql, 7, false);
    expect(rerun.read(0)).toEqual({ step: 0, kind: "model", name: "embedded", output: { text: "", toolCalls: [] } });
    expect(rerun.read(1)).toEqual({ step: 1, kind: "tool", name: "add_labels" });
    rerun.finish(1, "tool", "add_labels", { added: ["bug"] });
    expect(SqlJournal.entries(sql, 7).map((entry) => entry.output)).toEqual([{ text: "", toolCalls: [] }, { added: ["bug"] }]);
  });
});

describe("conversation store: approvals and usage", () => {
  it("a parked turn waits out of the drain's way; its decision is journaled and puts it back", () => {
    const { sql, store: s } = store();
    const parked = s.enqueue(event(1));
    const later = s.enqueue(event(2));
    s.startAttempt(parked);
    const request = { id: "req1", tool: "deploy", summary: "deploy web", agent: "ops", expiresAt: 9_000 };
    s.park(parked, { request, step: 3, posted: { id: "ts1" } });
    expect(s.nextPending()).toMatchObject({ seq: later });
    expect(s.approval()).toMatchObject({ id: "req1", seq: parked, step: 3, outcome: null });
    expect(s.decide("req1", { approve: true, by: "ada", expired: false }, "click-1")).toBe(true);
    expect(s.decide("req1", { approve: false, by: "bob", expired: false }, "click-2")).toBe(false);
    expect(s.nextPending()).toMatchObject({ seq: parked, endedAttempts: 1 });
    expect(new SqlJournal(sql, parked, false).read(3)).toEqual({ step: 3, kind: "approval", name: "deploy", output: { approve: true, by: "ada", expired: false } });
    expect(s.approval("req1")).toMatchObject({ outcome: { approve: true, by: "ada" }, decidedBy: "click-1" });
  });

  it("usage adds up per turn and per day", () => {
    const { store: s } = store();
    s.recordUsage(1, "m", { inputTokens: 100, outputTokens: 20, cachedInputTokens: 0 }, 0.5, "2026-11-27");
    s.recordUsage(2, "m", { inputTokens: 50, outputTokens: 5, cachedInputTokens: 0 }, null, "2026-11-27");
    s.recordUsage(3, "m", { inputTokens: 7, outputTokens: 1, cachedInputTokens: 0 }, 0.1, "2026-11-26");
    expect(s.spent({ day: "2026-11-27" })).toEqual({ inputTokens: 150, outputTokens: 25, usd: 0.5 });
    expect(s.spent({ seq: 3 })).toEqual({ inputTokens: 7, outputTokens: 1, usd: 0.1 });
  });
});
