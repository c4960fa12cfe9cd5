/** A changed file as the reviewer reads it: what `list_pull_request_files` returns for each. */
export interface ChangedFile {
  readonly filename: string;
  readonly status: string;
  readonly additions: number;
  readonly deletions: number;
  readonly previous_filename?: string;
  /** Unified diff hunks; absent for binary files, diffs GitHub would not show, or past the tool's cap. */
  readonly patch?: string;
  /** Why the patch is cut or missing, when it is. */
  readonly patch_note?: string;
}

/** The pull request as the rules see it. */
export interface PullRequestChange {
  readonly files: readonly ChangedFile[];
  /** Lines added and deleted in the whole pull request (the webhook's figures when it had them). */
  readonly additions: number;
  readonly deletions: number;
  /** Files changed in the whole pull request; more than `files` when GitHub's list stopped short. */
  readonly changedFiles: number;
}

/** Something a reviewer should know before approving. */
export interface Finding {
  /** The rule that found it (stable: tests and follow-up answers read it). */
  readonly rule: string;
  /** One line a person reads first, e.g. "Possible secret added". */
  readonly title: string;
  /** What was found, where, and what to do about it. */
  readonly detail: string;
}

export interface FindingRule {
  readonly id: string;
  readonly title: string;
  check(change: PullRequestChange): Finding | null | Promise<Finding | null>;
}

/** `a`, `b` and `c` as inline code, the first `max` of them, then how many more. */
export function listFiles(names: readonly string[], max = 5): string {
  const shown = names.slice(0, max).map((name) => `\`${name}\``);
  const more = names.length - shown.length;
  return more > 0 ? `${shown.join(", ")} and ${more} more` : shown.join(", ");
}
