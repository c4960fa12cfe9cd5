import type { JSONValue } from "@ai-sdk/provider";

export type StepKind = "model" | "tool" | "reply";

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
  begin(step: number, kind: StepKind, name: string): void;
  finish(step: number, output: JSONValue): void;
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

  finish(step: number, output: JSONValue): void {
    const entry = this.entries.get(step);
    if (!entry) throw new Error(`journal: step ${step} finished before it began`);
    this.entries.set(step, { ...entry, output });
  }
}
