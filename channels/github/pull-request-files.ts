import type { components } from "@octokit/openapi-types";

/** A file of a pull request as GitHub lists it (`pulls.listFiles`). */
export type DiffEntry = Pick<components["schemas"]["diff-entry"], "filename" | "status" | "additions" | "deletions" | "previous_filename" | "patch">;

/** A changed file as the tool hands it to the model: GitHub's fields, the patch possibly cut. */
export type PullRequestFile = {
  readonly filename: string;
  readonly status: DiffEntry["status"];
  readonly additions: number;
  readonly deletions: number;
  readonly previous_filename?: string;
  /** Unified diff hunks, as GitHub sends them; cut at a line boundary when over the cap. */
  readonly patch?: string;
  /** Why the patch is cut or missing, when it is. */
  readonly patch_note?: string;
};

export type PullRequestFiles = {
  readonly files: PullRequestFile[];
  /** What was left out, in words, when anything was. */
  readonly note?: string;
};

export interface PatchLimits {
  /** Characters of one file's patch. */
  readonly perFile: number;
  /** Characters of all patches together; later files get none once it is spent. */
  readonly total: number;
}

/**
 * What a turn can carry: the tool result is journaled in the conversation's SQLite and read by a
 * model, so a 50,000-line diff must not arrive whole. About 40k tokens in all.
 */
export const PATCH_LIMITS: PatchLimits = { perFile: 20_000, total: 160_000 };

/** GitHub lists at most this many files of a pull request (REST `pulls.listFiles`). */
export const GITHUB_FILE_LIST_CAP = 3000;

/**
 * Caps the patches of a pull request's files to `limits`, in GitHub's order, and says in `note`
 * what was cut: a reader must never mistake a truncated diff for the whole change.
 */
export function capPatches(entries: readonly DiffEntry[], limits: PatchLimits = PATCH_LIMITS): PullRequestFiles {
  let budget = limits.total;
  const counts = { cut: 0, leftOut: 0, missing: 0 };
  const files = entries.map((entry): PullRequestFile => {
    const file = {
      filename: entry.filename,
      status: entry.status,
      additions: entry.additions,
      deletions: entry.deletions,
      ...(entry.previous_filename ? { previous_filename: entry.previous_filename } : {}),
    };
    if (entry.patch === undefined) {
      // GitHub sends no patch for binary files and for diffs too large to render.
      if (entry.additions + entry.deletions === 0) return file;
      counts.missing++;
      return { ...file, patch_note: "GitHub sent no patch (a binary file, or a diff too large to show)" };
    }
    // Patches start with a short hunk header, so only a spent budget leaves nothing to show.
    const patch = cutAtLine(entry.patch, Math.min(limits.perFile, Math.max(budget, 0)));
    if (patch === "" && entry.patch !== "") {
      counts.leftOut++;
      return { ...file, patch_note: "left out: the budget for all patches was spent" };
    }
    budget -= patch.length;
    if (patch.length === entry.patch.length) return { ...file, patch };
    counts.cut++;
    const shown = lineCount(patch);
    return { ...file, patch, patch_note: `truncated: the first ${shown} of ${lineCount(entry.patch)} patch lines` };
  });
  const n = (count: number) => count.toLocaleString("en-US");
  const notes: string[] = [];
  if (counts.cut + counts.leftOut > 0) {
    const what = [
      counts.cut > 0 ? `${n(counts.cut)} patch(es) truncated` : "",
      counts.leftOut > 0 ? `${n(counts.leftOut)}${counts.cut > 0 ? "" : " patch(es)"} left out` : "",
    ];
    notes.push(`${what.filter(Boolean).join(" and ")} (patches are capped at ${n(limits.perFile)} characters per file and ${n(limits.total)} in all)`);
  }
  if (counts.missing > 0) notes.push(`${n(counts.missing)} file(s) without a patch from GitHub`);
  if (entries.length >= GITHUB_FILE_LIST_CAP) notes.push(`GitHub lists at most ${n(GITHUB_FILE_LIST_CAP)} files, so there may be more`);
  return notes.length > 0 ? { files, note: `Not the whole diff: ${notes.join("; ")}.` } : { files };
}

/** The longest prefix of whole lines within `max` characters (at least nothing). */
function cutAtLine(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = text.lastIndexOf("\n", max);
  return end > 0 ? text.slice(0, end) : "";
}

function lineCount(text: string): number {
  if (text === "") return 0;
  return text.split("\n").length;
}
