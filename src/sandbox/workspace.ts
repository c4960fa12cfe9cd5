import { createWorkspaceStateBackend, Workspace } from "@cloudflare/shell";
import type { Sql } from "../harness/journal.ts";

/**
 * A conversation's workspace: a durable virtual filesystem (@cloudflare/shell's Workspace) in
 * the conversation's own SQLite, as table `cf_workspace_files`. Files stay inline in SQLite up to
 * the Workspace's inline threshold (1.5 MB); larger ones would spill to R2 if a bucket were bound,
 * and none is by default: the tools that fill it cap files far below that (see README).
 */
export const WORKSPACE_NAMESPACE = "files";

/** What a sandbox run may import from the workspace, so one run's module set stays small. */
export const SANDBOX_FILE_CAPS = { files: 200, bytes: 2 * 1024 * 1024 } as const;

/** Only the calls the conversation makes on its SQL handle: Durable Object SqlStorage in practice. */
export function openWorkspace(sql: SqlStorage | Sql, name: () => string): Workspace {
  return new Workspace({ sql: sql as SqlStorage, namespace: WORKSPACE_NAMESPACE, name });
}

/** The workspace's JavaScript files by path (`src/dates.js`), up to the caps: what a snippet may import. */
export async function sandboxFiles(workspace: Workspace): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  let bytes = 0;
  let count = 0;
  for (const info of await workspace.glob("/**/*.{js,mjs,cjs}")) {
    if (info.type !== "file" || count >= SANDBOX_FILE_CAPS.files || bytes + info.size > SANDBOX_FILE_CAPS.bytes) continue;
    const content = await workspace.readFile(info.path);
    if (content === null) continue;
    files[info.path.replace(/^\/+/, "")] = content;
    bytes += info.size;
    count++;
  }
  return files;
}

/** Lines of files under `path` that match `query` (plain text, or a regular expression with `regex`). */
export async function grepWorkspace(workspace: Workspace, query: string, options: { glob?: string; regex?: boolean }) {
  const backend = createWorkspaceStateBackend(workspace);
  const results = await backend.searchFiles(options.glob ?? "/**/*", query, { regex: options.regex ?? false, caseSensitive: true });
  return results.slice(0, 50).map((result) => ({
    path: result.path,
    matches: result.matches.slice(0, 20).map((match) => ({ line: match.line, text: match.lineText.slice(0, 300) })),
  }));
}

/** A unified diff of a workspace file against new content (or against another file). */
export async function diffWorkspace(workspace: Workspace, path: string, against: { content?: string; path?: string }): Promise<string> {
  const backend = createWorkspaceStateBackend(workspace);
  return against.path !== undefined ? backend.diff(path, against.path) : backend.diffContent(path, against.content ?? "");
}

/**
 * When the conversation's ticket was closed, for the workspace's retention: a table of the
 * workspace's own beside the Workspace's, so the conversation's store knows nothing of it.
 */
export class WorkspaceRetention {
  private readonly sql: Sql;

  constructor(sql: Sql) {
    this.sql = sql;
    sql.exec("CREATE TABLE IF NOT EXISTS sb_workspace_closed (id INTEGER PRIMARY KEY CHECK (id = 1), closed_at INTEGER NOT NULL)");
  }

  /** When it was closed, or null while it is open. */
  closedAt(): number | null {
    return this.sql.exec<{ closed_at: number }>("SELECT closed_at FROM sb_workspace_closed WHERE id = 1").toArray()[0]?.closed_at ?? null;
  }

  /** Records a close (`at`), or a reopen (`null`). */
  mark(at: number | null): void {
    if (at === null) this.sql.exec("DELETE FROM sb_workspace_closed WHERE id = 1");
    else this.sql.exec("INSERT INTO sb_workspace_closed (id, closed_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET closed_at = excluded.closed_at", at);
  }
}

/** Deletes every file of the workspace: a closed conversation's, after its retention period. */
export async function clearWorkspace(workspace: Workspace): Promise<number> {
  const entries = await workspace.readDir("/");
  for (const entry of entries) await workspace.rm(entry.path, { recursive: true, force: true });
  return entries.length;
}
