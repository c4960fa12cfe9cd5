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
