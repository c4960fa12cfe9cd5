import type { FindingRule } from "./types.ts";

/** Past this many lines added plus deleted a diff is hard to review well in one sitting. */
export const LARGE_DIFF_LINES = 1000;
/** …or past this many files. */
export const LARGE_DIFF_FILES = 100;

export const largeDiffRule: FindingRule = {
  id: "large-diff",
  title: "Very large diff",
  check({ additions, deletions, changedFiles }) {
    const lines = additions + deletions;
    if (lines < LARGE_DIFF_LINES && changedFiles < LARGE_DIFF_FILES) return null;
    const n = (count: number) => count.toLocaleString("en-US");
    return {
      rule: this.id,
      title: this.title,
      detail:
        `${n(lines)} lines changed in ${n(changedFiles)} file(s). Reviewers miss more in large diffs: ` +
        "if it can be split (refactoring apart from behaviour, one concern per pull request), split it; otherwise point reviewers at the parts that matter most.",
    };
  },
};
