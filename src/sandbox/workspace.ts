import { createWorkspaceStateBackend, type FileInfo, type FileStat, Workspace, type WorkspaceFsLike } from "@cloudflare/shell";
import type { Sql } from "../harness/journal.ts";

/**
 * A conversation's workspace: a durable virtual filesystem in the conversation's own SQLite, as
 * table `sb_files`. It is @cloudflare/shell's `WorkspaceFsLike` (what `createWorkspaceStateBackend`
 * needs for grep, diff and codemode's `state.*`), with the Workspace's semantics and errors, over
 * four SQL statements in all: workerd keeps every distinct statement an object has prepared for
 * the object's life, and each costs tens of KiB (bench/README.md), so every method reuses these.
 * Directories are implied by the paths under them; a row of type `directory` is kept only for
 * one that would otherwise be empty (made by mkdir, or left by the last file's removal).
 */
const SCHEMA = `CREATE TABLE IF NOT EXISTS sb_files (
  path TEXT PRIMARY KEY, type TEXT NOT NULL, mime TEXT NOT NULL, size INTEGER NOT NULL,
  created INTEGER NOT NULL, modified INTEGER NOT NULL, content
) WITHOUT ROWID`;
/** Rows with `lower <= path < upper`, in path order, up to `limit` (-1: all); content only when asked. */
const SELECT = "SELECT path, type, mime, size, created, modified, CASE WHEN ?3 THEN content END AS content FROM sb_files WHERE path >= ?1 AND path < ?2 ORDER BY path LIMIT ?4";
/** Writes a row; a rewrite keeps its creation time. */
const UPSERT = `INSERT INTO sb_files (path, type, mime, size, created, modified, content) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (path) DO UPDATE SET type = excluded.type, mime = excluded.mime, size = excluded.size, modified = excluded.modified, content = excluded.content`;
/** Deletes the rows with `lower <= path < upper`. */
const DELETE = "DELETE FROM sb_files WHERE path >= ? AND path < ?";

type EntryType = FileInfo["type"];
type Row = { path: string; type: EntryType; mime: string; size: number; created: number; modified: number; content: string | ArrayBuffer | null };

const MAX_PATH_LENGTH = 4096;
const MAX_SYMLINK_DEPTH = 40;
const MAX_SYMLINK_TARGET_LENGTH = 4096;
const MAX_MKDIR_DEPTH = 100;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The range of exactly `path` (no path holds a NUL: normalize refuses one). */
const exactly = (path: string): [string, string] => [path, `${path}\0`];
/** The range of every path under directory `path`. */
const under = (path: string): [string, string] => (path === "/" ? ["/", "0"] : [`${path}/`, `${path}0`]);
const seconds = () => Math.floor(Date.now() / 1000);
/** A directory no row stands for: implied by the paths under it, with the times it is given. */
const impliedDirectory = (path: string, created = 0, modified = 0): Row => ({ path, type: "directory", mime: "text/plain", size: 0, created, modified, content: null });

export class ConversationFiles implements WorkspaceFsLike {
  private readonly sql: Sql;
  private ready = false;
  /**
   * Directories this store has seen to be directories: a write under one checks no ancestor again.
   * Forgotten on any removal or move, so it holds while this is the only store over the conversation's
   * SQL (the conversation keeps one).
   */
  private readonly dirs = new Set<string>();

  constructor(sql: Sql) {
    this.sql = sql;
  }

  private ensure(): void {
    if (this.ready) return;
    this.sql.exec(SCHEMA);
    this.ready = true;
  }

  private rows(range: [string, string], options: { content?: boolean; limit?: number } = {}): Row[] {
    this.ensure();
    return this.sql.exec<Row>(SELECT, range[0], range[1], options.content ? 1 : 0, options.limit ?? -1).toArray();
  }

  private row(path: string, content = false): Row | undefined {
    return this.rows(exactly(path), { content, limit: 1 })[0];
  }

  private put(path: string, type: EntryType, mime: string, content: string | Uint8Array | null, created = seconds()): void {
    this.ensure();
    const size = type !== "file" || content === null ? 0 : typeof content === "string" ? encoder.encode(content).byteLength : content.byteLength;
    const value = content === null || typeof content === "string" ? content : content.slice().buffer;
    this.sql.exec(UPSERT, path, type, mime, size, created, seconds(), value);
  }

  private delete(range: [string, string]): void {
    this.ensure();
    this.sql.exec(DELETE, range[0], range[1]);
  }

  /** The row at `path`, or the directory its descendants imply (the root always exists). */
  private entry(path: string): Row | undefined {
    const row = this.row(path);
    if (row) return row;
    const [first] = this.rows(under(path), { limit: 1 });
    if (path === "/" || first) return impliedDirectory(path, first?.created, first?.modified);
    return undefined;
  }

  private resolve(path: string, depth = 0): string {
    if (depth > MAX_SYMLINK_DEPTH) throw new Error(`ELOOP: too many levels of symbolic links: ${path}`);
    if (this.row(path)?.type !== "symlink") return path;
    const target = this.row(path, true)?.content;
    if (typeof target !== "string" || !target) return path;
    return this.resolve(normalize(target.startsWith("/") ? target : `${parentOf(path)}/${target}`), depth + 1);
  }

  /** Every missing ancestor of `path` is implied by it; one that is a file or a symlink refuses it. */
  private checkParents(path: string): void {
    for (let dir = parentOf(path); dir !== "/" && dir !== "" && !this.dirs.has(dir); dir = parentOf(dir)) {
      const row = this.row(dir);
      if (!row) continue;
      if (row.type !== "directory") throw new Error(`ENOTDIR: ${dir} is not a directory`);
      break; // a directory row: its own ancestors were checked when it was made
    }
    for (let dir = parentOf(path); dir !== "/" && dir !== ""; dir = parentOf(dir)) this.dirs.add(dir);
  }

  /** The row at `path` (without content) and whether any path lies under it, in one query. */
  private look(path: string): { row: Row | undefined; parent: boolean } {
    // From `path` up to `path0`: the path itself, names that extend it (`a.js.map`), then its descendants.
    const rows = this.rows([path, `${path}0`]);
    return { row: rows[0]?.path === path ? rows[0] : undefined, parent: rows.some((row) => row.path.startsWith(`${path}/`)) };
  }

  /** A directory left empty by a removal stays, as the Workspace's directory rows do. */
  private keepParent(path: string): void {
    const parent = parentOf(path);
    if (parent === "/" || parent === "" || this.row(parent) || this.rows(under(parent), { limit: 1 }).length > 0) return;
    this.put(parent, "directory", "text/plain", null);
  }

  /** A write: one query to look at the path (two through a symlink), then the upsert. */
  private write(path: string, content: string | Uint8Array, mime: string): void {
    let normalized = normalize(path);
    if (normalized === "/") throw new Error("EISDIR: cannot write to root directory");
    let existing = this.look(normalized);
    if (existing.row?.type === "symlink") {
      normalized = this.resolve(normalized);
      if (normalized === "/") throw new Error("EISDIR: cannot write to root directory");
      existing = this.look(normalized);
    }
    this.checkParents(normalized);
    if (existing.row?.type === "directory" || (!existing.row && existing.parent)) throw new Error(`EISDIR: ${path} is a directory`);
    this.put(normalized, "file", mime, content, existing.row?.created);
  }

  private read(path: string): Row | null {
    const resolved = this.resolve(normalize(path));
    const row = this.row(resolved, true);
    if (!row) {
      if (this.entry(resolved)) throw new Error(`EISDIR: ${path} is a directory`);
      return null;
    }
    if (row.type !== "file") throw new Error(`EISDIR: ${path} is a directory`);
    return row;
  }

  async symlink(target: string, linkPath: string): Promise<void> {
    if (!target || target.trim().length === 0) throw new Error("EINVAL: symlink target must not be empty");
    if (target.length > MAX_SYMLINK_TARGET_LENGTH) throw new Error(`ENAMETOOLONG: symlink target exceeds ${MAX_SYMLINK_TARGET_LENGTH} characters`);
    const normalized = normalize(linkPath);
    if (normalized === "/") throw new Error("EPERM: cannot create symlink at root");
    this.checkParents(normalized);
    if (this.entry(normalized)) throw new Error(`EEXIST: path already exists: ${linkPath}`);
    this.put(normalized, "symlink", "text/plain", target);
  }

  async readlink(path: string): Promise<string> {
    const row = this.row(normalize(path), true);
    if (!row) {
      if (this.entry(normalize(path))) throw new Error(`EINVAL: not a symlink: ${path}`);
      throw new Error(`ENOENT: no such file or directory: ${path}`);
    }
    if (row.type !== "symlink" || typeof row.content !== "string" || !row.content) throw new Error(`EINVAL: not a symlink: ${path}`);
    return row.content;
  }

  async lstat(path: string): Promise<FileStat | null> {
    const row = this.entry(normalize(path));
    return row ? this.info(row, row.type === "symlink") : null;
  }

  async stat(path: string): Promise<FileStat | null> {
    const row = this.entry(this.resolve(normalize(path)));
    return row ? this.info(row, row.type === "symlink") : null;
  }

  async readFile(path: string): Promise<string | null> {
    const row = this.read(path);
    if (!row) return null;
    return typeof row.content === "string" ? row.content : row.content ? decoder.decode(row.content) : "";
  }

  async readFileBytes(path: string): Promise<Uint8Array | null> {
    const row = this.read(path);
    if (!row) return null;
    return typeof row.content === "string" ? encoder.encode(row.content) : new Uint8Array(row.content ?? new ArrayBuffer(0));
  }

  async writeFileBytes(path: string, data: Uint8Array | ArrayBuffer, mimeType = "application/octet-stream"): Promise<void> {
    if (!(data instanceof Uint8Array) && !(data instanceof ArrayBuffer)) throw new TypeError("writeFileBytes expected Uint8Array or ArrayBuffer");
    this.write(path, data instanceof Uint8Array ? data : new Uint8Array(data), mimeType);
  }

  async writeFile(path: string, content: string, mimeType = "text/plain"): Promise<void> {
    this.write(path, content, mimeType);
  }

  async appendFile(path: string, content: string, mimeType = "text/plain"): Promise<void> {
    const existing = await this.readFile(path);
    if (existing === null) return this.writeFile(path, content, mimeType);
    const resolved = this.resolve(normalize(path));
    const row = this.row(resolved);
    this.put(resolved, "file", row?.mime ?? mimeType, existing + content, row?.created);
  }

  async exists(path: string): Promise<boolean> {
    return this.entry(normalize(path)) !== undefined;
  }

  async readDir(dir = "/", opts?: { limit?: number; offset?: number }): Promise<FileInfo[]> {
    const normalized = normalize(dir);
    const prefix = normalized === "/" ? "/" : `${normalized}/`;
    const children = new Map<string, Row>();
    for (const row of this.rows(under(normalized))) {
      const rest = row.path.slice(prefix.length);
      const slash = rest.indexOf("/");
      const name = slash === -1 ? rest : rest.slice(0, slash);
      const path = prefix + name;
      if (slash === -1) children.set(path, row);
      else if (!children.has(path)) children.set(path, impliedDirectory(path, row.created, row.modified));
    }
    const order = { directory: 0, file: 1, symlink: 2 } as const;
    const sorted = [...children.values()].sort((a, b) => order[a.type] - order[b.type] || compare(baseName(a.path), baseName(b.path)));
    const offset = opts?.offset ?? 0;
    return sorted.slice(offset, offset + (opts?.limit ?? 1000)).map((row) => this.info(row, false));
  }

  async glob(pattern: string): Promise<FileInfo[]> {
    const normalized = normalize(pattern);
    const prefix = globPrefix(normalized);
    const regex = globToRegex(normalized);
    if (!prefix.endsWith("/")) {
      const row = this.entry(prefix);
      return row && regex.test(row.path) ? [this.info(row, true)] : [];
    }
    const range: [string, string] = [prefix, `${prefix.slice(0, -1)}0`];
    const entries = new Map<string, Row>();
    const inRange = (path: string) => path >= range[0] && path < range[1];
    if (inRange("/")) entries.set("/", impliedDirectory("/"));
    for (const row of this.rows(range)) {
      entries.set(row.path, row);
      for (let dir = parentOf(row.path); dir !== "/" && dir !== "" && inRange(dir) && !entries.has(dir); dir = parentOf(dir)) {
        entries.set(dir, impliedDirectory(dir, row.created, row.modified));
      }
    }
    return [...entries.values()].filter((row) => regex.test(row.path)).sort((a, b) => compare(a.path, b.path)).map((row) => this.info(row, true));
  }

  async mkdir(path: string, opts?: { recursive?: boolean }, depth = 0): Promise<void> {
    if (depth > MAX_MKDIR_DEPTH) throw new Error(`ELOOP: mkdir recursion too deep (max ${MAX_MKDIR_DEPTH} levels)`);
    const normalized = normalize(path);
    if (normalized === "/") return;
    const existing = this.entry(normalized);
    if (existing) {
      if (existing.type === "directory" && opts?.recursive) return;
      throw new Error(existing.type === "directory" ? `EEXIST: directory already exists: ${path}` : `EEXIST: path exists as a file: ${path}`);
    }
    const parent = parentOf(normalized);
    const parentEntry = this.entry(parent);
    if (!parentEntry) {
      if (!opts?.recursive) throw new Error(`ENOENT: parent directory not found: ${parent}`);
      await this.mkdir(parent, { recursive: true }, depth + 1);
    } else if (parentEntry.type !== "directory") throw new Error(`ENOTDIR: parent is not a directory: ${parent}`);
    this.put(normalized, "directory", "text/plain", null);
    // The parent's own row, if mkdir made one, is implied by this one now; it stays, harmlessly.
  }

  async rm(path: string, opts?: { recursive?: boolean; force?: boolean }): Promise<void> {
    const normalized = normalize(path);
    if (normalized === "/") throw new Error("EPERM: cannot remove root directory");
    this.dirs.clear();
    const existing = this.entry(normalized);
    if (!existing) {
      if (opts?.force) return;
      throw new Error(`ENOENT: no such file or directory: ${path}`);
    }
    if (existing.type === "directory" && this.rows(under(normalized), { limit: 1 }).length > 0) {
      if (!opts?.recursive) throw new Error(`ENOTEMPTY: directory not empty: ${path}`);
      this.delete(under(normalized));
    }
    this.delete(exactly(normalized));
    this.keepParent(normalized);
  }

  async cp(src: string, dest: string, opts?: { recursive?: boolean }): Promise<void> {
    const srcNorm = normalize(src);
    const destNorm = normalize(dest);
    const source = this.entry(srcNorm);
    if (!source) throw new Error(`ENOENT: no such file or directory: ${src}`);
    if (source.type === "symlink") return this.symlink(await this.readlink(srcNorm), destNorm);
    if (source.type === "directory") {
      if (!opts?.recursive) throw new Error(`EISDIR: cannot copy directory without recursive: ${src}`);
      await this.mkdir(destNorm, { recursive: true });
      for (const child of await this.readDir(srcNorm)) await this.cp(child.path, `${destNorm}/${child.name}`, opts);
      return;
    }
    const row = this.row(srcNorm, true)!;
    this.write(destNorm, typeof row.content === "string" ? row.content : new Uint8Array(row.content ?? new ArrayBuffer(0)), row.mime);
  }

  async mv(src: string, dest: string, opts?: { recursive?: boolean }): Promise<void> {
    const srcNorm = normalize(src);
    const destNorm = normalize(dest);
    const source = this.entry(srcNorm);
    if (!source) throw new Error(`ENOENT: no such file or directory: ${src}`);
    if (srcNorm === destNorm) return;
    this.dirs.clear();
    if (source.type === "directory") {
      if (!(opts?.recursive ?? true)) throw new Error(`EISDIR: cannot move directory without recursive: ${src}`);
      await this.cp(src, dest, { recursive: true });
      await this.rm(src, { recursive: true, force: true });
      return;
    }
    this.checkParents(destNorm);
    const target = this.entry(destNorm);
    if (target?.type === "directory") throw new Error(`EISDIR: cannot overwrite directory: ${dest}`);
    const row = this.row(srcNorm, true)!;
    if (target) this.delete(exactly(destNorm));
    this.put(destNorm, row.type, row.mime, typeof row.content === "string" || row.content === null ? row.content : new Uint8Array(row.content), row.created);
    this.delete(exactly(srcNorm));
    this.keepParent(srcNorm);
  }

  /** Deletes every file and directory; how many entries the root held. */
  clear(): number {
    this.dirs.clear();
    const entries = new Set(this.rows(under("/")).map((row) => row.path.split("/")[1])).size;
    this.delete(under("/"));
    return entries;
  }

  private info(row: Row, withTarget: boolean): FileInfo {
    const info: FileInfo = { path: row.path, name: baseName(row.path), type: row.type, mimeType: row.mime, size: row.size, createdAt: row.created * 1000, updatedAt: row.modified * 1000 };
    const target = withTarget && row.type === "symlink" ? (row.content ?? this.row(row.path, true)?.content) : undefined;
    if (typeof target === "string" && target) info.target = target;
    return info;
  }
}


/** What a sandbox run may import from the workspace, so one run's module set stays small. */
export const SANDBOX_FILE_CAPS = { files: 200, bytes: 2 * 1024 * 1024 } as const;

/** A conversation's workspace: the lean store, or the Workspace when large files go to R2. */
export type ConversationWorkspace = ConversationFiles | Workspace;

/**
 * The conversation's files, over its SQL handle (Durable Object SqlStorage in practice). With an
 * R2 bucket (`largeFiles`: the optional WORKSPACE_FILES binding), @cloudflare/shell's Workspace
 * instead, which keeps files over 1.5 MB in the bucket under `<name>/files/…` and the rest inline:
 * large files, at about twice the memory per live conversation (bench/README.md, Sandbox).
 */
export function openWorkspace(sql: SqlStorage | Sql, largeFiles?: { r2: R2Bucket; name: () => string }): ConversationWorkspace {
  if (largeFiles) return new Workspace({ sql: sql as SqlStorage, namespace: "files", r2: largeFiles.r2, name: largeFiles.name });
  return new ConversationFiles(sql as Sql);
}

/** The workspace's JavaScript files by path (`src/dates.js`), up to the caps: what a snippet may import. */
export async function sandboxFiles(workspace: WorkspaceFsLike): Promise<Record<string, string>> {
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
export async function grepWorkspace(workspace: WorkspaceFsLike, query: string, options: { glob?: string; regex?: boolean }) {
  const backend = createWorkspaceStateBackend(workspace);
  const results = await backend.searchFiles(options.glob ?? "/**/*", query, { regex: options.regex ?? false, caseSensitive: true });
  return results.slice(0, 50).map((result) => ({
    path: result.path,
    matches: result.matches.slice(0, 20).map((match) => ({ line: match.line, text: match.lineText.slice(0, 300) })),
  }));
}

/** A unified diff of a workspace file against new content (or against another file). */
export async function diffWorkspace(workspace: WorkspaceFsLike, path: string, against: { content?: string; path?: string }): Promise<string> {
  const backend = createWorkspaceStateBackend(workspace);
  return against.path !== undefined ? backend.diff(path, against.path) : backend.diffContent(path, against.content ?? "");
}

/**
 * When the conversation's ticket was closed, for the workspace's retention: a table of the
 * workspace's own beside its files, so the conversation's store knows nothing of it.
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

/**
 * Deletes every file of the workspace: a closed conversation's, after its retention period. The
 * table of @cloudflare/shell's Workspace, which held the workspace before `sb_files`, goes too.
 */
export async function clearWorkspace(workspace: ConversationWorkspace, sql: SqlStorage | Sql): Promise<number> {
  if (workspace instanceof ConversationFiles) {
    (sql as Sql).exec("DROP TABLE IF EXISTS cf_workspace_files");
    return workspace.clear();
  }
  const entries = await workspace.readDir("/");
  for (const entry of entries) await workspace.rm(entry.path, { recursive: true, force: true });
  return entries.length;
}

/** As the Workspace's: absolute, without `.`, `..` or empty segments. A NUL is refused (the store's ranges rely on it). */
function normalize(path: string): string {
  if (path.includes("\0")) throw new Error("EINVAL: a path cannot hold a NUL character");
  const parts: string[] = [];
  for (const part of (path.startsWith("/") ? path : `/${path}`).split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  const result = `/${parts.join("/")}`;
  if (result.length > MAX_PATH_LENGTH) throw new Error(`ENAMETOOLONG: path exceeds ${MAX_PATH_LENGTH} characters`);
  return result;
}

function parentOf(path: string): string {
  if (path === "/") return "";
  const slash = path.lastIndexOf("/");
  return slash === 0 ? "/" : path.slice(0, slash);
}

const baseName = (path: string) => (path === "/" ? "" : path.slice(path.lastIndexOf("/") + 1));
/** SQLite's BINARY order (UTF-8 bytes), which JavaScript's UTF-16 comparison matches outside surrogate pairs. */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The Workspace's: the literal directory a pattern starts with. */
function globPrefix(pattern: string): string {
  const first = pattern.search(/[*?[{]/);
  if (first === -1) return pattern;
  const before = pattern.slice(0, first);
  const lastSlash = before.lastIndexOf("/");
  return lastSlash >= 0 ? before.slice(0, lastSlash + 1) : "/";
}

/** The Workspace's glob syntax (not exported by @cloudflare/shell): `**`, `*`, `?`, `[...]`, `{a,b}`. */
function globToRegex(pattern: string): RegExp {
  let i = 0;
  let re = "^";
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === "*") {
      if (pattern[i + 1] === "*") {
        i += 2;
        if (pattern[i] === "/") {
          re += "(?:.+/)?";
          i++;
        } else re += ".*";
      } else {
        re += "[^/]*";
        i++;
      }
    } else if (ch === "?") {
      re += "[^/]";
      i++;
    } else if (ch === "[") {
      const close = pattern.indexOf("]", i + 1);
      if (close === -1) {
        re += "\\[";
        i++;
      } else {
        re += pattern.slice(i, close + 1);
        i = close + 1;
      }
    } else if (ch === "{") {
      const close = pattern.indexOf("}", i + 1);
      if (close === -1) {
        re += "\\{";
        i++;
      } else {
        re += `(?:${pattern.slice(i + 1, close).split(",").join("|")})`;
        i = close + 1;
      }
    } else {
      re += ch.replace(/[.+^$|\\()]/g, "\\$&");
      i++;
    }
  }
  return new RegExp(`${re}$`);
}
