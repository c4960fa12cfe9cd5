// The benchmark's Worker: the production Worker, plus two routes only the benchmark uses. Started
// with `startWorker({ entry: "bench/worker.ts" })`; the production entry never serves them.
import { Hono } from "hono";
import { classifyIssue } from "../agents/triage/classifier/index.ts";
import worker, { ConversationAgent as ProductionConversation } from "../src/worker.ts";
import { createSandbox } from "../src/sandbox/run.ts";
import { openWorkspace } from "../src/sandbox/workspace.ts";

export { DiscordGateway, Installation, InstallationIndex, ParticipationIndex, UsageLedger } from "../src/worker.ts";

/** The production conversation object, plus what the sandbox benchmark asks of it (bench only). */
export class ConversationAgent extends ProductionConversation {
  /**
   * Fills this conversation's workspace with `files` source files of about 2 KiB, as the loader tool would; 0 only wakes (or touches) it.
   * `variant` (BENCH_WORKSPACE_VARIANT, temporary, for issue 20) writes the same files another way instead of through the store.
   */
  async benchWorkspace(files: number, variant: WorkspaceVariant = "workspace"): Promise<{ bytes: number }> {
    if (files === 0) return { bytes: 0 };
    if (variant !== "workspace") return benchWorkspaceVariant(this.ctx.storage.sql, variant, files);
    const workspace = openWorkspace(this.ctx.storage.sql);
    let bytes = 0;
    for (let i = 0; i < files; i++) {
      const content = benchSourceFile(i);
      await workspace.writeFile(`/src/module-${i}.js`, content);
      bytes += content.length;
    }
    return { bytes };
  }
}

/**
 * Temporary (issue 20: where a workspace's memory goes): the same files written without the store.
 * plain1: a two-column WITHOUT ROWID table, one INSERT per file. plain9: the same table through nine
 * distinct statements per file, as a filesystem with directories would. shape: the Workspace's own
 * 13-column schema and parent_path index, written with one INSERT per file (directories included).
 */
export type WorkspaceVariant = "workspace" | "plain1" | "plain1reads" | "plain9" | "shape";

function benchWorkspaceVariant(sql: SqlStorage, variant: Exclude<WorkspaceVariant, "workspace">, files: number): { bytes: number } {
  let bytes = 0;
  const now = Math.floor(Date.now() / 1000);
  if (variant === "shape") {
    const T = "bench_shape_files";
    sql.exec(`
      CREATE TABLE IF NOT EXISTS ${T} (
        path            TEXT PRIMARY KEY,
        parent_path     TEXT NOT NULL,
        name            TEXT NOT NULL,
        type            TEXT NOT NULL CHECK(type IN ('file','directory','symlink')),
        mime_type       TEXT NOT NULL DEFAULT 'text/plain',
        size            INTEGER NOT NULL DEFAULT 0,
        storage_backend TEXT NOT NULL DEFAULT 'inline' CHECK(storage_backend IN ('inline','r2')),
        r2_key          TEXT,
        target          TEXT,
        content_encoding TEXT NOT NULL DEFAULT 'utf8',
        content         TEXT,
        created_at      INTEGER NOT NULL DEFAULT (unixepoch()),
        modified_at     INTEGER NOT NULL DEFAULT (unixepoch())
      )
    `);
    sql.exec(`CREATE INDEX IF NOT EXISTS ${T}_parent ON ${T}(parent_path)`);
    const insert = `INSERT OR REPLACE INTO ${T} (path, parent_path, name, type, mime_type, size, storage_backend, r2_key, content_encoding, content, created_at, modified_at) VALUES (?, ?, ?, ?, 'text/plain', ?, 'inline', NULL, 'utf8', ?, ?, ?)`;
    sql.exec(insert, "/", "", "", "directory", 0, null, now, now);
    sql.exec(insert, "/src", "/", "src", "directory", 0, null, now, now);
    for (let i = 0; i < files; i++) {
      const content = benchSourceFile(i);
      sql.exec(insert, `/src/module-${i}.js`, "/src", `module-${i}.js`, "file", new TextEncoder().encode(content).byteLength, content, now, now);
      bytes += content.length;
    }
    return { bytes };
  }
  const T = "bench_plain_files";
  sql.exec(`CREATE TABLE IF NOT EXISTS ${T} (path TEXT PRIMARY KEY, content TEXT) WITHOUT ROWID`);
  for (let i = 0; i < files; i++) {
    const path = `/src/module-${i}.js`;
    const content = benchSourceFile(i);
    if (variant === "plain1") {
      sql.exec(`INSERT OR REPLACE INTO ${T} (path, content) VALUES (?, ?)`, path, content);
    } else if (variant === "plain1reads") {
      // plain1 plus four executions of one more statement per file: executions, not distinct statements.
      for (const key of [path, "/src", "/", path]) sql.exec(`SELECT path FROM ${T} WHERE path >= ? AND path < ?`, key, `${key}0`).toArray();
      sql.exec(`INSERT OR REPLACE INTO ${T} (path, content) VALUES (?, ?)`, path, content);
    } else {
      // Nine distinct statements, each run once per file: resolve the path, look up its parent and
      // the parent's parent, create the parent directories, look up the existing row, upsert it,
      // touch the parent, count the parent's children, stat the result.
      sql.exec(`SELECT content FROM ${T} WHERE path = ? AND content IS NULL`, path).toArray();
      sql.exec(`SELECT path FROM ${T} WHERE path = ?`, "/src").toArray();
      sql.exec(`SELECT 1 AS found FROM ${T} WHERE path = ? LIMIT 1`, "/").toArray();
      sql.exec(`INSERT OR IGNORE INTO ${T} (path, content) VALUES (?, NULL) RETURNING path`, "/src").toArray();
      sql.exec(`SELECT length(content) AS size FROM ${T} WHERE path = ?`, path).toArray();
      sql.exec(`INSERT INTO ${T} (path, content) VALUES (?, ?) ON CONFLICT(path) DO UPDATE SET content = excluded.content`, path, content);
      sql.exec(`UPDATE ${T} SET content = NULL WHERE path = ? AND content IS NULL`, "/src");
      sql.exec(`SELECT count(*) AS children FROM ${T} WHERE path > ? AND path < ?`, "/src/", "/src0").toArray();
      sql.exec(`SELECT path, length(content) AS size FROM ${T} WHERE path = ?`, path).toArray();
    }
    bytes += content.length;
  }
  return { bytes };
}

/** A plausible source file: imports, a few functions, comments. */
function benchSourceFile(i: number): string {
  const lines = [`import { helper${i} } from "./helpers-${i}.js";`, ""];
  for (let f = 0; f < 8; f++) {
    lines.push(`/** Computes part ${f} of module ${i}. */`, `export function part${i}_${f}(items, options = {}) {`, `  const limit = options.limit ?? ${10 + f};`, `  return items.filter((item) => item.weight > ${f}).slice(0, limit).map((item) => helper${i}(item, ${f}));`, "}", "");
  }
  return lines.join("\n");
}

const bench = new Hono<{ Bindings: Env }>();

// The ceiling: the same Worker answering without verifying or storing anything.
bench.post("/bench/ceiling", (c) => c.json({ ok: true }));

// The classifier's timing: classifies one issue `repeat` times. workerd's clock stands still
// while JavaScript runs, so the time is taken outside, against `repeat: 0`.
bench.post("/bench/classify", async (c) => {
  const { title, body, repeat } = await c.req.json<{ title: string; body: string; repeat: number }>();
  let label = "";
  for (let i = 0; i < Math.min(repeat, 1000); i++) label = classifyIssue({ title, body }).label;
  return c.json({ label });
});

// One snippet through the sandbox as triage runs it: the verdict (timed outside, like the ceiling).
bench.post("/bench/sandbox", async (c) => {
  const { code } = await c.req.json<{ code: string }>();
  return c.json(await createSandbox(c.env.LOADER).runSnippet({ code }));
});

// Wakes a conversation and gives it a workspace of `files` files (0: the object alone).
bench.post("/bench/workspace", async (c) => {
  const { key, files, variant } = await c.req.json<{ key: string; files: number; variant?: WorkspaceVariant }>();
  const conversation = c.env.CONVERSATION.getByName(key) as unknown as { benchWorkspace(files: number, variant?: WorkspaceVariant): Promise<{ bytes: number }> };
  return c.json(await conversation.benchWorkspace(Math.min(files, 500), variant));
});

export default {
  fetch(request, env, ctx) {
    return new URL(request.url).pathname.startsWith("/bench/") ? bench.fetch(request, env, ctx) : worker.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
