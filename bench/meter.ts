// What Cloudflare bills a Durable Object for, counted inside workerd for the benchmark's cost
// section (bench/cost.ts writes the Worker entry that meters every class). One meter per isolate: `wrangler dev` runs the Worker and every
// Durable Object of the script in one isolate, so the Worker's `/bench/meter` route reads what
// every object counted.
//
// - Rows: every SQL statement, the project's and the agents SDK's alike, through SqlStorage's own
//   `exec`, patched once on its prototype; a cursor's `rowsRead`/`rowsWritten` grow while it is
//   read, so the last cursors are re-read (as deltas) until they stop growing. The synchronous and
//   asynchronous KV methods and `setAlarm` are billed as rows too (Cloudflare's pricing page,
//   footnotes 2 and 3), so they are counted beside the SQL.
// - Requests: every call made on a Durable Object stub (an RPC method or `fetch`), counted where
//   it is made: the namespaces in the Worker's and in each object's `env` are wrapped. Alarms are
//   counted where they run.
// - Awake time: per object, from the first request, alarm or `waitUntil` in flight to the moment
//   none is left, by the object's clock (which workerd advances only across I/O: a rough figure).

export interface MeterTotals {
  /** Changes when the isolate starts again (wrangler reloads the Worker when a source file changes). */
  isolate: string;
  statements: number;
  rowsRead: number;
  rowsWritten: number;
  kvReads: number;
  kvWrites: number;
  alarmsSet: number;
  alarmsDeleted: number;
  /** Calls made on stubs, by the namespace's binding name. */
  doRequests: Record<string, number>;
  /** Alarm invocations, by class. */
  alarms: Record<string, number>;
  /** Objects constructed, by class (a new or evicted object starting). */
  objectsStarted: Record<string, number>;
  awakeMs: number;
}

const totals: MeterTotals = {
  // Random values are refused at global scope: named on the first reading.
  isolate: "",
  statements: 0,
  rowsRead: 0,
  rowsWritten: 0,
  kvReads: 0,
  kvWrites: 0,
  alarmsSet: 0,
  alarmsDeleted: 0,
  doRequests: {},
  alarms: {},
  objectsStarted: {},
  awakeMs: 0,
};

/** Per statement text (whitespace folded, cut at 160 characters): runs and rows, to see where rows go. */
export interface StatementTotals {
  runs: number;
  failed?: number;
  rowsRead: number;
  rowsWritten: number;
}
const byStatement = new Map<string, StatementTotals>();

/** Cursors whose counts may still grow (a SELECT read lazily), with what was already counted. */
const recent: { cursor: SqlStorageCursor<Record<string, SqlStorageValue>>; statement: StatementTotals; read: number; written: number }[] = [];
const RECENT_KEPT = 32;

function sweep(): void {
  for (const entry of recent) {
    const { rowsRead, rowsWritten } = entry.cursor;
    totals.rowsRead += rowsRead - entry.read;
    totals.rowsWritten += rowsWritten - entry.written;
    entry.statement.rowsRead += rowsRead - entry.read;
    entry.statement.rowsWritten += rowsWritten - entry.written;
    entry.read = rowsRead;
    entry.written = rowsWritten;
  }
}

export function statements(): Record<string, StatementTotals> {
  sweep();
  return Object.fromEntries(byStatement);
}

export function snapshot(): MeterTotals {
  totals.isolate ||= crypto.randomUUID();
  sweep();
  return structuredClone(totals);
}

let patched = false;

/** Patches the storage prototypes once, from the first object that starts. */
function patchStorage(storage: DurableObjectStorage): void {
  if (patched) return;
  patched = true;
  const sqlPrototype = Object.getPrototypeOf(storage.sql) as SqlStorage;
  const exec = sqlPrototype.exec;
  sqlPrototype.exec = function (this: SqlStorage, query: string, ...bindings: unknown[]) {
    // Miniflare's own bookkeeping of an object's name: local only, nothing production runs.
    if (query.includes("__miniflare")) return exec.call(this, query, ...bindings);
    const text = query.replace(/\s+/g, " ").trim().slice(0, 160);
    let statement = byStatement.get(text);
    if (!statement) byStatement.set(text, (statement = { runs: 0, rowsRead: 0, rowsWritten: 0 }));
    statement.runs++;
    totals.statements++;
    let cursor: SqlStorageCursor<Record<string, SqlStorageValue>>;
    try {
      cursor = exec.call(this, query, ...bindings);
    } catch (error) {
      // A failed statement (the SDK's ALTER TABLE on a column that exists) is counted as run.
      statement.failed = (statement.failed ?? 0) + 1;
      throw error;
    }
    sweep();
    recent.push({ cursor, statement, read: 0, written: 0 });
    if (recent.length > RECENT_KEPT) recent.shift();
    sweep();
    return cursor;
  } as SqlStorage["exec"];

  const kvPrototype = Object.getPrototypeOf(storage.kv) as SyncKvStorage;
  const counted = <K extends keyof SyncKvStorage>(target: object, name: K, count: (args: unknown[], result: unknown) => void) => {
    const original = (target as Record<string, unknown>)[name as string] as (...args: unknown[]) => unknown;
    (target as Record<string, unknown>)[name as string] = function (this: unknown, ...args: unknown[]) {
      const result = original.apply(this, args);
      count(args, result);
      return result;
    };
  };
  const keys = (args: unknown[]) => (Array.isArray(args[0]) ? args[0].length : typeof args[0] === "object" && args[0] !== null ? Object.keys(args[0]).length : 1);
  counted(kvPrototype, "get", (args) => (totals.kvReads += keys(args)));
  counted(kvPrototype, "put", (args) => (totals.kvWrites += keys(args)));
  counted(kvPrototype, "delete", (args) => (totals.kvWrites += keys(args)));
  const storagePrototype = Object.getPrototypeOf(storage) as DurableObjectStorage;
  for (const name of ["get", "put", "delete"] as const) {
    counted(storagePrototype as never, name as never, (args) => (name === "get" ? (totals.kvReads += keys(args)) : (totals.kvWrites += keys(args))));
  }
  counted(storagePrototype as never, "setAlarm" as never, () => totals.alarmsSet++);
  counted(storagePrototype as never, "deleteAlarm" as never, () => totals.alarmsDeleted++);
}

/** Counts every call made on the namespace's stubs. */
function meteredNamespace<T extends DurableObjectNamespace>(binding: string, namespace: T): T {
  const stubOf = (stub: object) =>
    new Proxy(stub, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, target) as unknown;
        if (typeof value !== "function" || property === "then" || typeof property === "symbol") return value;
        return (...args: unknown[]) => {
          totals.doRequests[binding] = (totals.doRequests[binding] ?? 0) + 1;
          return Reflect.apply(value as (...a: unknown[]) => unknown, target, args);
        };
      },
    });
  return new Proxy(namespace, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (property === "get" || property === "getByName") {
        return (...args: unknown[]) => stubOf(Reflect.apply(value as (...a: unknown[]) => object, target, args));
      }
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The same bindings, with every Durable Object namespace counting its requests. */
export function meteredEnv<E extends object>(env: E): E {
  const wrapped: Record<string, unknown> = { ...(env as Record<string, unknown>) };
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === "object" && value !== null && typeof (value as { getByName?: unknown }).getByName === "function") {
      wrapped[name] = meteredNamespace(name, value as DurableObjectNamespace);
    }
  }
  return wrapped as E;
}

/** Awake time of one object: intervals with a request, an alarm or a `waitUntil` in flight. */
class Activity {
  private inFlight = 0;
  private since = 0;

  begin(): void {
    if (this.inFlight++ === 0) this.since = Date.now();
  }

  end(): void {
    if (--this.inFlight === 0) totals.awakeMs += Date.now() - this.since;
  }

  around<T>(run: () => T): T {
    this.begin();
    let result: T;
    try {
      result = run();
    } catch (error) {
      this.end();
      throw error;
    }
    if (result instanceof Promise) return result.finally(() => this.end()) as T;
    this.end();
    return result;
  }
}

type ObjectClass = abstract new (ctx: DurableObjectState, env: Env) => object;

const activityOf = new WeakMap<object, Activity>();

/**
 * The class, counting: its storage, the requests it makes, its alarms, its awake time. `entries`
 * are its RPC methods the benchmark's events reach (each keeps it awake while it runs); they are
 * wrapped on the prototype, where workerd looks RPC methods up.
 */
export function metered<C extends ObjectClass>(name: string, base: C, entries: readonly string[]): C {
  // @ts-expect-error: a mixin over an abstract constructor with a fixed signature
  class Metered extends base {
    constructor(ctx: DurableObjectState, env: Env) {
      patchStorage(ctx.storage);
      totals.objectsStarted[name] = (totals.objectsStarted[name] ?? 0) + 1;
      const activity = new Activity();
      const waitUntil = ctx.waitUntil.bind(ctx);
      // An own property shadows the prototype's method for this object only.
      Object.defineProperty(ctx, "waitUntil", {
        value: (promise: Promise<unknown>) => {
          activity.begin();
          waitUntil(promise.finally(() => activity.end()));
        },
      });
      activity.begin();
      try {
        super(ctx, meteredEnv(env));
      } finally {
        activity.end();
      }
      activityOf.set(this, activity);
    }
  }
  const alarm = typeof (base.prototype as Record<string, unknown>).alarm === "function" ? ["alarm"] : [];
  for (const entry of [...entries, ...alarm]) {
    const method = (base.prototype as Record<string, unknown>)[entry];
    // An older version of the class (the cost section's baseline) may lack it.
    if (typeof method !== "function") continue;
    Object.defineProperty(Metered.prototype, entry, {
      configurable: true,
      writable: true,
      value: function (this: object, ...args: unknown[]) {
        if (entry === "alarm") totals.alarms[name] = (totals.alarms[name] ?? 0) + 1;
        const activity = activityOf.get(this);
        const run = () => (method as (...a: unknown[]) => unknown).apply(this, args);
        return activity ? activity.around(run) : run();
      },
    });
  }
  return Metered as unknown as C;
}
