// The benchmark's Worker (bench/worker.ts) with the agents SDK's set-up of a new object cut as the
// upstream change in bench/README.md ("Cost per event", item 4) would cut it: a temporary,
// bench-only measurement of what that change would bring at the cost section's saturation point
// (bench/cost.ts). Nothing in node_modules or src/ changes: the SDK's `_ensureSchema` is wrapped in
// this isolate only, and only while it runs does its SQL pass through the filter below.
//
// `BENCH_SDK_SCHEMA` (a var) picks how much is cut:
// - `final-shape`: each table is created in its current shape (cf_agent_tool_runs with the twelve
//   columns the SDK adds by ALTER TABLE) and no `ALTER TABLE … ADD COLUMN` runs: what a fresh
//   database needs, and all the upstream change's first part removes.
// - `used-only`: the same, and the tables of capabilities Switchboard's conversations never use
//   (workflows, facet runs, agent-tool runs, MCP servers, with their indexes) are not created at
//   all: the upstream change's second part (create them when first used).
// Every object the benchmark creates is fresh, so skipping the ALTERs loses nothing here; on an
// older database they would be needed.
import { ConversationAgent } from "./worker.ts";

export * from "./worker.ts";
export { default } from "./worker.ts";

/** The columns `_ensureSchema` adds to cf_agent_tool_runs by ALTER TABLE after creating it without them (agents 0.32). */
const TOOL_RUN_COLUMNS_ADDED_LATER = [
  "detached INTEGER NOT NULL DEFAULT 0",
  "detached_on_finish TEXT",
  "detached_notify_source TEXT",
  "detached_max_budget_at INTEGER",
  "finish_claimed_at INTEGER",
  "finish_delivered_at INTEGER",
  "give_up_claimed_at INTEGER",
  "give_up_delivered_at INTEGER",
  "detached_no_progress_budget_ms INTEGER",
  "last_progress_at INTEGER",
  "detached_on_milestones TEXT",
  "event_delivery TEXT",
].join(", ");

const UNUSED_CAPABILITY_TABLES = /\b(cf_agents_workflows|cf_agents_facet_runs|cf_agent_tool_runs|cf_agents_mcp_servers)\b/;

type SchemaHost = { ctx: DurableObjectState; env: Record<string, unknown>; _ensureSchema(): void };

let owner: object | null = ConversationAgent.prototype;
while (owner && !Object.hasOwn(owner, "_ensureSchema")) owner = Object.getPrototypeOf(owner) as object | null;
if (!owner) throw new Error("the agents SDK has no _ensureSchema any more: bench/worker-sdk-fresh.ts needs updating");
const ensureSchema = (owner as SchemaHost)._ensureSchema;

/** No rows: what the SDK's reads of a capability's table find when the capability was never used. */
function empty(): SqlStorageCursor<Record<string, SqlStorageValue>> {
  return Object.assign([], {
    toArray: () => [],
    one: () => {
      throw new Error("no rows");
    },
    next: () => ({ done: true as const, value: undefined }),
    raw: () => [][Symbol.iterator](),
    columnNames: [],
    rowsRead: 0,
    rowsWritten: 0,
  }) as never;
}

let lazyTables = false;

/**
 * `used-only`: the SDK reads those tables again later (its alarm counts facet runs and detached
 * tool runs, recovery scans them), so from the first object on, any statement on them finds no
 * rows, as a lazy upstream version would answer for a capability never used. Switchboard's
 * conversations use none of them (the tables stay empty in the unmodified runs).
 */
function skipUnusedTables(prototype: SqlStorage): void {
  if (lazyTables) return;
  lazyTables = true;
  const exec = prototype.exec;
  prototype.exec = function (this: SqlStorage, query: string, ...bindings: unknown[]) {
    return UNUSED_CAPABILITY_TABLES.test(query) ? empty() : exec.call(this, query, ...bindings);
  } as SqlStorage["exec"];
}

(owner as SchemaHost)._ensureSchema = function (this: SchemaHost) {
  const mode = String(this.env.BENCH_SDK_SCHEMA ?? "final-shape");
  const prototype = Object.getPrototypeOf(this.ctx.storage.sql) as SqlStorage;
  if (mode === "used-only") skipUnusedTables(prototype);
  const exec = prototype.exec;
  prototype.exec = function (this: SqlStorage, query: string, ...bindings: unknown[]) {
    // Ignored by the SDK's addColumnIfNotExists.
    if (/^\s*ALTER TABLE/i.test(query)) return empty();
    if (/CREATE TABLE IF NOT EXISTS cf_agent_tool_runs\b/.test(query)) query = query.replace(/\)\s*$/, `, ${TOOL_RUN_COLUMNS_ADDED_LATER})`);
    return exec.call(this, query, ...bindings);
  } as SqlStorage["exec"];
  try {
    ensureSchema.call(this);
  } finally {
    prototype.exec = exec;
  }
};
