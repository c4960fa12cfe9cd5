import { readdirSync, readFileSync } from "node:fs";
import { dirname, extname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../dev/workerd.ts";

/** What a clone carries besides node_modules: every folder and root file the project reads. */
const SCANNED_EXTENSIONS = new Set([".ts", ".js", ".mjs", ".cjs", ".json", ".toml", ".yaml", ".yml", ".html", ".sh", ""]);
const SKIPPED = new Set(["node_modules", ".git", ".wrangler", "test-output", "fixtures", "data", "results"]);

function projectFiles(folder = ROOT): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return SKIPPED.has(entry.name) ? [] : projectFiles(path);
    if (!entry.isFile() || entry.name === "package-lock.json" || entry.name.endsWith(".d.ts")) return [];
    return SCANNED_EXTENSIONS.has(extname(entry.name)) ? [path] : [];
  });
}

const inside = (path: string) => path === ROOT || path.startsWith(ROOT + sep);

/**
 * Paths a file names that lead out of the repository: a quoted `../…` that climbs above the root
 * from the file's folder, a `..` joined onto the root itself, or an absolute path into a home or
 * work folder of whoever wrote it.
 */
export function pathsOutside(file: string, source: string): string[] {
  // Comments name paths as examples (`from "../../src/index.ts"` in a JSDoc for agent folders);
  // nothing reads them.
  const text = source
    .split("\n")
    .filter((line) => !/^\s*(\/\/|\/?\*)/.test(line))
    .join("\n");
  const found: string[] = [];
  for (const match of text.matchAll(/["'`](\.\.(?:\/[^"'`\s$]*)?)["'`]/g)) {
    if (!inside(resolve(dirname(file), match[1]!))) found.push(match[1]!);
  }
  for (const match of text.matchAll(/\bROOT\s*,\s*["'`](\.\.[^"'`]*)["'`]/g)) found.push(`ROOT + ${match[1]}`);
  for (const match of text.matchAll(/["'`(\s](\/(?:work|home|Users|root)\/[^"'`\s)]*)/g)) found.push(match[1]!);
  return found;
}

describe("a clone is the whole project", () => {
  it("no source, test, script, bench or config file names a path outside the repository", () => {
    // This file's own examples of what the check catches are the one exception.
    const files = projectFiles().filter((file) => file !== import.meta.filename);
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.flatMap((file) =>
      pathsOutside(file, readFileSync(file, "utf8")).map((path) => `${relative(ROOT, file)} → ${path}`),
    );
    expect(offenders).toEqual([]);
  });

  it("the check catches each way a path leaves the repository", () => {
    const file = join(ROOT, "test/support/example.ts");
    expect(pathsOutside(file, `resolve(import.meta.dirname, "../../../beside-the-clone/fixtures")`)).toEqual(["../../../beside-the-clone/fixtures"]);
    expect(pathsOutside(file, `join(ROOT, "../beside-the-clone/datasets/x.csv")`)).toEqual(["ROOT + ../beside-the-clone/datasets/x.csv"]);
    expect(pathsOutside(file, `const DATA = "/work/beside-the-clone/datasets/nlbse24";`)).toEqual(["/work/beside-the-clone/datasets/nlbse24"]);
    expect(pathsOutside(file, `import { x } from "../../dev/workerd.ts"; resolve(dir, "../fixtures")`)).toEqual([]);
    expect(pathsOutside(join(ROOT, "src/agent.ts"), ` * import { defineAgent } from "../../src/index.ts";\n// see "../../x"`)).toEqual([]);
  });
});
