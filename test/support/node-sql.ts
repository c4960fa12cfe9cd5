// Node side: SQLite in memory behind the same `exec` surface as a Durable Object's storage.sql,
// so storage code is unit-tested without a Durable Object.
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import type { Sql } from "../../src/harness/journal.ts";

export function memorySql(): Sql & { readonly database: DatabaseSync } {
  const database = new DatabaseSync(":memory:");
  return {
    database,
    exec<T>(query: string, ...bindings: unknown[]) {
      const rows = database.prepare(query).all(...(bindings as SQLInputValue[])) as T[];
      return {
        toArray: () => rows,
        one: () => {
          if (rows.length !== 1) throw new Error(`expected exactly one row, got ${rows.length}`);
          return rows[0]!;
        },
      };
    },
  };
}
