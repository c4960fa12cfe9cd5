import { addedLines } from "./patch.ts";
import { isMigrationPath } from "./paths.ts";
import { listFiles, type ChangedFile, type FindingRule } from "./types.ts";

/** DDL in a .sql file, any case. */
const SQL_DDL = /\b(create|alter|drop|rename)\s+(table|index|unique\s+index|column|schema|type|view|materialized\s+view|trigger|sequence)\b/i;
/** DDL inside code: upper case, as SQL in strings is written, so prose saying "create table" does not count. */
const EMBEDDED_DDL = /\b(CREATE|ALTER|DROP|RENAME)\s+(TABLE|INDEX|UNIQUE\s+INDEX|COLUMN|SCHEMA|TYPE|VIEW|TRIGGER|SEQUENCE)\b/;
/** Cloudflare Durable Object class migrations in wrangler's config. */
const WRANGLER_MIGRATION = /^\s*(\[\[migrations\]\]|"?(new_sqlite_classes|new_classes|renamed_classes|deleted_classes|transferred_classes)"?\s*[=:])/;

const PROSE = /\.(md|mdx|rst|txt|adoc)$/i;

function changesSchema(file: ChangedFile): boolean {
  if (isMigrationPath(file.filename)) return true;
  if (!file.patch || PROSE.test(file.filename)) return false;
  const wrangler = /(^|\/)wrangler\.(toml|json|jsonc)$/i.test(file.filename);
  const ddl = /\.sql$/i.test(file.filename) ? SQL_DDL : EMBEDDED_DDL;
  return addedLines(file.patch).some(({ text }) => ddl.test(text) || (wrangler && WRANGLER_MIGRATION.test(text)));
}

/** Migrations and schema changes: by where frameworks keep them, or by the DDL the patch adds. */
export const migrationsRule: FindingRule = {
  id: "migration",
  title: "Migration or schema change",
  check({ files }) {
    const changed = files.filter((file) => file.status !== "removed" && changesSchema(file));
    if (changed.length === 0) return null;
    return {
      rule: this.id,
      title: this.title,
      detail:
        `${listFiles(changed.map((file) => file.filename))}. Check that it can run on a live database ` +
        "(locks, backfills, defaults on large tables), that it can be rolled back, and that the code deployed before and after it works with both schemas.",
    };
  },
};
