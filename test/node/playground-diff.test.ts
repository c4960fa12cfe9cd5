import { describe, expect, it } from "vitest";
import { parseGitDiff } from "../../dev/playground/diff.ts";

describe("the playground reads `git diff` output as GitHub lists a pull request's files", () => {
  it("statuses from the extended headers, patches without the file headers, no patch for a binary file", () => {
    const diff = [
      "diff --git a/src/a.ts b/src/a.ts",
      "index 83db48f..bf269f4 100644",
      "--- a/src/a.ts",
      "+++ b/src/a.ts",
      "@@ -1,2 +1,2 @@",
      " const a = 1;",
      "-const b = 2;",
      "+const b = 3;",
      "diff --git a/docs/new.md b/docs/new.md",
      "new file mode 100644",
      "--- /dev/null",
      "+++ b/docs/new.md",
      "@@ -0,0 +1 @@",
      "+# New",
      "diff --git a/old.txt b/old.txt",
      "deleted file mode 100644",
      "--- a/old.txt",
      "+++ /dev/null",
      "@@ -1 +0,0 @@",
      "-gone",
      "diff --git a/lib/x.ts b/src/x.ts",
      "similarity index 100%",
      "rename from lib/x.ts",
      "rename to src/x.ts",
      "diff --git a/logo.png b/logo.png",
      "Binary files a/logo.png and b/logo.png differ",
      "",
    ].join("\n");
    expect(parseGitDiff(diff)).toEqual([
      { filename: "src/a.ts", status: "modified", patch: "@@ -1,2 +1,2 @@\n const a = 1;\n-const b = 2;\n+const b = 3;" },
      { filename: "docs/new.md", status: "added", patch: "@@ -0,0 +1 @@\n+# New" },
      { filename: "old.txt", status: "removed", patch: "@@ -1 +0,0 @@\n-gone" },
      { filename: "src/x.ts", status: "renamed", previous_filename: "lib/x.ts" },
      { filename: "logo.png", status: "modified" },
    ]);
  });

  it("text without file headers names no file", () => {
    expect(parseGitDiff("src/a.ts +10 -2")).toEqual([]);
  });
});
