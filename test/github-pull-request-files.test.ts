import { describe, expect, it } from "vitest";
import { capPatches, GITHUB_FILE_LIST_CAP, type DiffEntry } from "../channels/github/pull-request-files.ts";

const lines = (count: number, width = 9) => Array.from({ length: count }, (_, i) => `+${String(i).padStart(width, "0")}`).join("\n");
const entry = (filename: string, patch: string | undefined, additions = 1): DiffEntry => ({
  filename,
  status: "modified",
  additions,
  deletions: 0,
  ...(patch !== undefined ? { patch } : {}),
});

describe("list_pull_request_files caps patches and says what it cut", () => {
  it("patches within the caps come through whole, with no note", () => {
    const files = [entry("a.ts", "@@ -1 +1 @@\n+a"), entry("b.ts", "@@ -1 +1 @@\n+b")];
    expect(capPatches(files, { perFile: 100, total: 1000 })).toEqual({
      files: [
        { filename: "a.ts", status: "modified", additions: 1, deletions: 0, patch: "@@ -1 +1 @@\n+a" },
        { filename: "b.ts", status: "modified", additions: 1, deletions: 0, patch: "@@ -1 +1 @@\n+b" },
      ],
    });
  });

  it("a patch over the per-file cap is cut at a line boundary, and the file and the result say so", () => {
    const patch = lines(100); // 100 lines of 10 characters, 1,099 with newlines
    const { files, note } = capPatches([entry("big.ts", patch, 100)], { perFile: 250, total: 10_000 });
    expect(files[0]!.patch).toBe(patch.slice(0, 22 * 11 - 1)); // 22 whole lines, no partial one
    expect(files[0]!.patch_note).toBe("truncated: the first 22 of 100 patch lines");
    expect(note).toBe("Not the whole diff: 1 patch(es) truncated (patches are capped at 250 characters per file and 10,000 in all).");
  });

  it("once the total is spent, later files keep their counts but lose their patches", () => {
    const patch = lines(20); // 219 characters
    const { files, note } = capPatches([entry("1.ts", patch), entry("2.ts", patch), entry("3.ts", patch)], { perFile: 1000, total: 300 });
    expect(files.map((file) => [file.filename, file.patch?.length ?? null, file.patch_note ?? null])).toEqual([
      ["1.ts", 219, null],
      ["2.ts", 76, "truncated: the first 7 of 20 patch lines"],
      ["3.ts", null, "left out: the budget for all patches was spent"],
    ]);
    expect(note).toBe("Not the whole diff: 1 patch(es) truncated and 1 left out (patches are capped at 1,000 characters per file and 300 in all).");
    expect(capPatches([entry("1.ts", patch), entry("2.ts", patch)], { perFile: 1000, total: 219 }).note).toBe(
      "Not the whole diff: 1 patch(es) left out (patches are capped at 1,000 characters per file and 219 in all).",
    );
  });

  it("a changed file GitHub sent no patch for is named; an empty one (a rename, a mode change) is not", () => {
    const { files, note } = capPatches([entry("logo.png", undefined, 0), entry("huge.json", undefined, 90_000)]);
    expect(files[0]).not.toHaveProperty("patch_note");
    expect(files[1]!.patch_note).toBe("GitHub sent no patch (a binary file, or a diff too large to show)");
    expect(note).toBe("Not the whole diff: 1 file(s) without a patch from GitHub.");
  });

  it("a list of 3,000 files may be GitHub's cap, not the whole pull request", () => {
    const many = Array.from({ length: GITHUB_FILE_LIST_CAP }, (_, i) => entry(`f${i}`, undefined, 0));
    expect(capPatches(many).note).toBe("Not the whole diff: GitHub lists at most 3,000 files, so there may be more.");
    expect(capPatches(many.slice(1)).note).toBeUndefined();
  });
});
