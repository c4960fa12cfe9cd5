import { env, runInDurableObject } from "cloudflare:test";
import { createWorkspaceStateBackend, Workspace, type WorkspaceFsLike } from "@cloudflare/shell";
import { describe, expect, it } from "vitest";
import type { Sql } from "../src/harness/journal.ts";
import { clearWorkspace, ConversationFiles, grepWorkspace, openWorkspace, sandboxFiles } from "../src/sandbox/workspace.ts";
import type { ConversationAgent } from "../src/worker.ts";
import { conversation } from "./support/agents.ts";

/** The SQL handle of a fresh conversation object, with the distinct statements run on it. */
async function inObject<T>(run: (sql: Sql, statements: Set<string>, storage: SqlStorage) => Promise<T>): Promise<T> {
  const key = `github:workspace-store/t-${crypto.randomUUID().slice(0, 8)}#1`;
  return runInDurableObject(await conversation(key), async (_instance: ConversationAgent, state) => {
    const statements = new Set<string>();
    const sql: Sql = { exec: (query, ...bindings) => (statements.add(query), state.storage.sql.exec(query, ...bindings)) } as Sql;
    return run(sql, statements, state.storage.sql);
  });
}

/** What a call did, without the clock: its value (file infos without their times) or its error's message. */
async function outcome(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return strip(await call());
  } catch (error) {
    return { error: (error as Error).message };
  }
}
function strip(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: [...value] };
  if (Array.isArray(value)) return value.map(strip);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).filter(([key]) => key !== "createdAt" && key !== "updatedAt"));
  return value;
}

/** A script of filesystem calls, each run on @cloudflare/shell's Workspace and on ours, in turn. */
const SCRIPT: [string, (fs: WorkspaceFsLike) => Promise<unknown>][] = [
  ["stat root", (fs) => fs.stat("/")],
  ["readDir empty root", (fs) => fs.readDir("/")],
  ["glob empty", (fs) => fs.glob("/**/*")],
  ["write", (fs) => fs.writeFile("/src/lib/dates.js", "export const a = 1;\n")],
  ["write relative", (fs) => fs.writeFile("src/lib/../util.mjs", "export {};\n")],
  ["write bytes", (fs) => fs.writeFileBytes("/bin/blob", new Uint8Array([0, 1, 2, 255]))],
  ["write json", (fs) => fs.writeFile("/package.json", '{"name":"x"}', "application/json")],
  ["read", (fs) => fs.readFile("/src/lib/dates.js")],
  ["read bytes of text", (fs) => fs.readFileBytes("/src/util.mjs")],
  ["read bytes", (fs) => fs.readFileBytes("/bin/blob")],
  ["read missing", (fs) => fs.readFile("/nope.js")],
  ["read a directory", (fs) => fs.readFile("/src")],
  ["read bytes of a directory", (fs) => fs.readFileBytes("/src/lib")],
  ["stat file", (fs) => fs.stat("/src/lib/dates.js")],
  ["stat implied directory", (fs) => fs.stat("/src/lib")],
  ["stat missing", (fs) => fs.stat("/src/nope")],
  ["lstat file", (fs) => fs.lstat("src/util.mjs")],
  ["exists file, dir, missing", async (fs) => [await fs.exists("/src/util.mjs"), await fs.exists("/src"), await fs.exists("/"), await fs.exists("/sr")]],
  ["readDir root", (fs) => fs.readDir("/")],
  ["readDir src", (fs) => fs.readDir("/src")],
  ["readDir paged", (fs) => fs.readDir("/", { limit: 2, offset: 1 })],
  ["readDir of a file", (fs) => fs.readDir("/package.json")],
  ["glob all", (fs) => fs.glob("/**/*")],
  ["glob braces", (fs) => fs.glob("/**/*.{js,mjs,cjs}")],
  ["glob one level", (fs) => fs.glob("/src/*")],
  ["glob literal", (fs) => fs.glob("/package.json")],
  ["glob literal directory", (fs) => fs.glob("/src")],
  ["glob ?", (fs) => fs.glob("/bin/blo?")],
  ["append", (fs) => fs.appendFile("/src/lib/dates.js", "export const b = 2;\n")],
  ["append creates", (fs) => fs.appendFile("/notes.txt", "one")],
  ["read appended", async (fs) => [await fs.readFile("/src/lib/dates.js"), await fs.stat("/src/lib/dates.js"), await fs.readFile("/notes.txt")]],
  ["write under a file", (fs) => fs.writeFile("/package.json/x.js", "")],
  ["write root", (fs) => fs.writeFile("/", "")],
  ["mkdir exists", (fs) => fs.mkdir("/src")],
  ["mkdir exists recursive", (fs) => fs.mkdir("/src", { recursive: true })],
  ["mkdir over file", (fs) => fs.mkdir("/package.json", { recursive: true })],
  ["mkdir no parent", (fs) => fs.mkdir("/a/b/c")],
  ["mkdir under file", (fs) => fs.mkdir("/package.json/d")],
  ["mkdir recursive", (fs) => fs.mkdir("/a/b/c", { recursive: true })],
  ["mkdir", (fs) => fs.mkdir("/a/e")],
  ["empty dirs", async (fs) => [await fs.readDir("/a"), await fs.readDir("/a/b"), await fs.stat("/a/b/c"), await fs.glob("/a/**")]],
  ["rm missing", (fs) => fs.rm("/nope")],
  ["rm missing force", (fs) => fs.rm("/nope", { force: true })],
  ["rm root", (fs) => fs.rm("/", { recursive: true })],
  ["rm non-empty", (fs) => fs.rm("/a")],
  ["rm empty dir", (fs) => fs.rm("/a/e")],
  ["rm the last file keeps its folder", async (fs) => [await fs.rm("/bin/blob"), await fs.stat("/bin"), await fs.readDir("/bin"), await fs.readDir("/")]],
  ["rm recursive", async (fs) => [await fs.rm("/a", { recursive: true }), await fs.exists("/a"), await fs.exists("/a/b/c"), await fs.readDir("/")]],
  ["cp file", async (fs) => [await fs.cp("/package.json", "/copy/package.json"), await fs.readFile("/copy/package.json"), await fs.stat("/copy/package.json")]],
  ["cp missing", (fs) => fs.cp("/nope", "/x")],
  ["cp dir without recursive", (fs) => fs.cp("/src", "/src2")],
  ["cp dir", async (fs) => [await fs.cp("/src", "/src2", { recursive: true }), await fs.glob("/src2/**")]],
  ["mv file", async (fs) => [await fs.mv("/src2/util.mjs", "/moved/util.mjs"), await fs.exists("/src2/util.mjs"), await fs.readFile("/moved/util.mjs"), await fs.readDir("/src2")]],
  ["mv over a file", async (fs) => [await fs.mv("/copy/package.json", "/moved/util.mjs"), await fs.readFile("/moved/util.mjs"), await fs.readDir("/copy")]],
  ["mv onto a directory", (fs) => fs.mv("/notes.txt", "/src")],
  ["mv missing", (fs) => fs.mv("/nope", "/x")],
  ["mv dir", async (fs) => [await fs.mv("/src2", "/src3"), await fs.glob("/**/*")]],
  ["symlink", async (fs) => [await fs.symlink("lib/dates.js", "/src/link.js"), await fs.readlink("/src/link.js"), await fs.readFile("/src/link.js"), await fs.lstat("/src/link.js"), await fs.stat("/src/link.js")]],
  ["symlink exists", (fs) => fs.symlink("x", "/src/link.js")],
  ["readlink of a file", (fs) => fs.readlink("/package.json")],
  ["readlink missing", (fs) => fs.readlink("/nope")],
  ["write through a symlink", async (fs) => [await fs.writeFile("/src/link.js", "through\n"), await fs.readFile("/src/lib/dates.js")]],
  ["glob with a symlink", (fs) => fs.glob("/src/**")],
  ["readDir with a symlink", (fs) => fs.readDir("/src")],
  ["dangling symlink", async (fs) => [await fs.symlink("/gone.js", "/dangling.js"), await fs.stat("/dangling.js"), await fs.lstat("/dangling.js"), await fs.readFile("/dangling.js"), await fs.exists("/dangling.js")]],
  ["glob deep with a prefix", (fs) => fs.glob("/src/**/*.js")],
  ["glob a character class", (fs) => fs.glob("/src/[lu]*")],
  ["rm a file through its parent", async (fs) => [await fs.rm("/src/lib", { recursive: true }), await fs.readDir("/src"), await fs.stat("/src/link.js")]],
  ["cp over an existing file", async (fs) => [await fs.cp("/notes.txt", "/moved/util.mjs"), await fs.readFile("/moved/util.mjs")]],
  ["final tree", (fs) => fs.glob("/**")],
];

describe("the conversation's file store behaves as @cloudflare/shell's Workspace", () => {
  it("every call of a script answers (or fails) as the Workspace does, times aside", async () => {
    await inObject(async (sql, _statements, storage) => {
      const ours = new ConversationFiles(sql);
      const theirs = new Workspace({ sql: storage, namespace: "reference" });
      for (const [name, call] of SCRIPT) {
        expect({ name, outcome: await outcome(() => call(ours)) }).toEqual({ name, outcome: await outcome(() => call(theirs)) });
      }
    });
  });

  it("grep, diff, the state backend and the sandbox's imports work over it", async () => {
    await inObject(async (sql) => {
      const files = new ConversationFiles(sql);
      await files.writeFile("/src/a.js", "const x = 1;\n// deprecated\n");
      await files.writeFile("/src/b.cjs", "module.exports = 2;\n");
      await files.writeFile("/README.md", "deprecated too\n");
      expect(await grepWorkspace(files, "deprecated", { glob: "/**/*.js" })).toEqual([{ path: "/src/a.js", matches: [{ line: 2, text: "// deprecated" }] }]);
      expect(await sandboxFiles(files)).toEqual({ "src/a.js": "const x = 1;\n// deprecated\n", "src/b.cjs": "module.exports = 2;\n" });
      const state = createWorkspaceStateBackend(files);
      expect(await state.diffContent("/src/b.cjs", "module.exports = 3;\n")).toContain("+module.exports = 3;");
      await state.writeJson("/data/x.json", { a: 1 });
      expect(await state.readJson("/data/x.json")).toEqual({ a: 1 });
      expect((await state.find("/", { type: "file" })).map((entry) => entry.path).sort()).toEqual(["/README.md", "/data/x.json", "/src/a.js", "/src/b.cjs"]);
      expect(await clearWorkspace(files, sql)).toBe(3);
      expect(await files.glob("/**/*")).toEqual([expect.objectContaining({ path: "/", type: "directory" })]);
    });
  });

  it("where it differs from the Workspace: it refuses to write over a directory, moves a file onto itself as a no-op, refuses a NUL", async () => {
    await inObject(async (sql) => {
      const files = new ConversationFiles(sql);
      await files.writeFile("/src/a.js", "a");
      await expect(files.writeFile("/src", "x")).rejects.toThrow("EISDIR: /src is a directory");
      await files.mv("/src/a.js", "/src/a.js");
      expect(await files.readFile("/src/a.js")).toBe("a");
      await expect(files.readFile("/src/a.js\0")).rejects.toThrow("EINVAL");
    });
  });

  it("runs four distinct SQL statements, whatever it is asked", async () => {
    await inObject(async (sql, statements) => {
      const files = new ConversationFiles(sql);
      for (const [, call] of SCRIPT) await outcome(() => call(files));
      await createWorkspaceStateBackend(files).searchFiles("/**/*", "export");
      files.clear();
      expect(statements.size).toBe(4);
    });
  });

  it("with an R2 bucket for large files, the workspace is the Workspace: a file over 1.5 MB lives in the bucket, the rest inline", async () => {
    const bucket = (env as unknown as { LARGE_FILES_TEST: R2Bucket }).LARGE_FILES_TEST;
    const name = `r2-${crypto.randomUUID().slice(0, 8)}`;
    await inObject(async (_sql, _statements, storage) => {
      const files = openWorkspace(storage, { r2: bucket, name: () => name });
      expect(files).toBeInstanceOf(Workspace);
      const large = "x".repeat(2 * 1024 * 1024);
      await files.writeFile("/logs/big.log", large);
      await files.writeFile("/src/small.js", "export {};\n");
      expect((await files.readFile("/logs/big.log"))?.length).toBe(large.length);
      expect((await bucket.list({ prefix: `${name}/` })).objects.map((object) => object.size)).toEqual([large.length]);
      expect(await clearWorkspace(files, storage)).toBe(2);
      expect((await bucket.list({ prefix: `${name}/` })).objects).toEqual([]);
    });
  });
});
