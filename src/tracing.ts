import { tracing } from "cloudflare:workers";

type Attributes = Record<string, string | number | boolean>;

/** One span of a turn, as the live view and the tests see it. Never message content. */
export interface SpanRecord {
  readonly id: number;
  /** The enclosing span; the turn's own span has none. */
  readonly parent: number | null;
  readonly name: string;
  /** Milliseconds since the turn's span started, by workerd's clock (it advances across I/O). */
  readonly startMs: number;
  durationMs: number;
  status: "ok" | "error";
  readonly attributes: Attributes;
}

/**
 * The spans of one turn: turn → model call → tool call → reply. Each is also a span of the
 * Workers runtime's own tracing (`[observability.traces]` in wrangler.toml), where it nests the
 * platform calls the runtime records by itself (every subrequest, with method and status). Here
 * they are kept for the live view; attributes follow the OpenTelemetry GenAI conventions and
 * carry ids and counts, never message text.
 */
/**
 * An error that suspends a turn rather than fails it (a tool call waiting for a person): the
 * spans it unwinds through end "ok", marked `switchboard.suspended`.
 */
export interface Suspension {
  readonly suspends: true;
}

function suspends(error: unknown): error is Suspension {
  return typeof error === "object" && error !== null && (error as Partial<Suspension>).suspends === true;
}

export class TurnTrace {
  readonly spans: SpanRecord[] = [];
  private readonly origin = performance.now();
  private readonly open: number[] = [];
  private readonly enabled: boolean;

  constructor(enabled = true) {
    this.enabled = enabled;
  }

  /** Runs `fn` inside a span named `name`; `describe` adds attributes known only at the end (tokens, finish reason). */
  async span<T>(name: string, attributes: Attributes, fn: () => Promise<T>, describe?: (result: T) => Attributes): Promise<T> {
    if (!this.enabled) return fn();
    const record: SpanRecord = {
      id: this.spans.length,
      parent: this.open.at(-1) ?? null,
      name,
      startMs: round(performance.now() - this.origin),
      durationMs: 0,
      status: "ok",
      attributes: { ...attributes },
    };
    this.spans.push(record);
    this.open.push(record.id);
    const started = performance.now();
    try {
      return await tracing.enterSpan(name, async (span) => {
        span.setAttributes(attributes);
        try {
          const result = await fn();
          const more = describe?.(result);
          if (more) {
            Object.assign(record.attributes, more);
            span.setAttributes(more);
          }
          return result;
        } catch (error) {
          if (suspends(error)) {
            record.attributes["switchboard.suspended"] = true;
            span.setAttributes({ "switchboard.suspended": true });
            throw error;
          }
          record.status = "error";
          span.setStatus({ code: "error", message: error instanceof Error ? error.name : "error" });
          throw error;
        }
      });
    } finally {
      record.durationMs = round(performance.now() - started);
      this.open.pop();
    }
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
