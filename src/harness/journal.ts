import type { JSONValue } from "@ai-sdk/provider";

/**
 * `request` posts an approval request; `approval` is the decision, recorded by the runtime when
 * it arrives (a turn that finds it missing parks); `stream` opens a reply that grows in place.
 */
export type StepKind = "model" | "tool" | "reply" | "request" | "approval" | "stream";

export interface JournalEntry {
  readonly step: number;
  readonly kind: StepKind;
  readonly name: string;
  /** Absent while the step is in flight: its effect may or may not have happened. */
  readonly output?: JSONValue;
}

/**
 * The per-turn record that makes a re-run cheap and side-effect free. Writes are synchronous
 * (Durable Object SQLite) so a step is durable before its result is used.
 */
export interface Journal {
  read(step: number): JournalEntry | undefined;
  /** Marks a step with an outside effect as started: a re-run must look for the effect first. */
  begin(step: number, kind: StepKind, name: string): void;
  /** Records the step's output, whether or not it was begun. */
  finish(step: number, kind: StepKind, name: string, output: JSONValue): void;
}

/** A journal in memory, for harness tests and one-off runs. */
export class MemoryJournal implements Journal {
  readonly entries = new Map<number, JournalEntry>();

  read(step: number): JournalEntry | undefined {
    return this.entries.get(step);
  }

  begin(step: number, kind: StepKind, name: string): void {
    this.entries.set(step, { step, kind, name });
  }

  finish(step: number, kind: StepKind, name: string, output: JSONValue): void {
    this.entries.set(step, { step, kind, name, output });
  }
}

/** The minimal SQL surface the journal and the conversation store need: Durable Object SQLite, or any engine with the same calls. */
export interface Sql {
  exec<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): { toArray(): T[]; one(): T };
}

/** WITHOUT ROWID: a step is one row written, not a row and its key's index entry. */
export const JOURNAL_SCHEMA = `CREATE TABLE IF NOT EXISTS sb_journal (
  seq INTEGER NOT NULL, step INTEGER NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, output TEXT,
  PRIMARY KEY (seq, step)
) WITHOUT ROWID`;

/**
 * The journal of one turn (inbox `seq`) in SQLite. Only a re-run finds entries (the attempt is
 * counted before any step is written) and nothing else writes them, so entries are read in one
 * query for the whole turn, and none on a first attempt.
 */
export class SqlJournal implements Journal {
  private readonly sql: Sql;
  private readonly seq: number;
  private readonly recorded: ReadonlyMap<number, { kind: StepKind; name: string; output: string | null }>;

  constructor(sql: Sql, seq: number, firstAttempt: boolean) {
    this.sql = sql;
    this.seq = seq;
    this.recorded = new Map(
      firstAttempt
        ? []
        : sql
            .exec<{ step: number; kind: StepKind; name: string; output: string | null }>(
              "SELECT step, kind, name, output FROM sb_journal WHERE seq = ?",
              seq,
            )
            .toArray()
            .map((row) => [row.step, row] as const),
    );
  }

  read(step: number): JournalEntry | undefined {
    const row = this.recorded.get(step);
    if (!row) return undefined;
    return { step, kind: row.kind, name: row.name, ...(row.output === null ? {} : { output: JSON.parse(row.output) as JSONValue }) };
  }

  begin(step: number, kind: StepKind, name: string): void {
    this.sql.exec("INSERT INTO sb_journal (seq, step, kind, name) VALUES (?, ?, ?, ?)", this.seq, step, kind, name);
  }

  finish(step: number, kind: StepKind, name: string, output: JSONValue): void {
    this.sql.exec(
      "INSERT INTO sb_journal (seq, step, kind, name, output) VALUES (?, ?, ?, ?, ?) ON CONFLICT (seq, step) DO UPDATE SET output = excluded.output",
      this.seq,
      step,
      kind,
      name,
      JSON.stringify(output),
    );
  }

  /** Every step of a turn as recorded, for inspection (operators, the live view). */
  static entries(sql: Sql, seq: number): JournalEntry[] {
    return sql
      .exec<{ step: number; kind: StepKind; name: string; output: string | null }>(
        "SELECT step, kind, name, output FROM sb_journal WHERE seq = ? ORDER BY step",
        seq,
      )
      .toArray()
      .map((row) => ({ step: row.step, kind: row.kind, name: row.name, ...(row.output === null ? {} : { output: JSON.parse(row.output) as JSONValue }) }));
  }
}
