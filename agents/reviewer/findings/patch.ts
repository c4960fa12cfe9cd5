/** A line a patch adds, with its line number in the new version of the file. */
export interface AddedLine {
  readonly line: number;
  readonly text: string;
}

const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/**
 * The lines a unified-diff patch (GitHub's `patch` field: hunks, no file headers) adds. Context
 * and deleted lines are skipped: what a pull request removes or leaves alone is not its doing.
 */
export function addedLines(patch: string): AddedLine[] {
  const added: AddedLine[] = [];
  let next = 0;
  for (const raw of patch.split("\n")) {
    const hunk = HUNK.exec(raw);
    if (hunk) {
      next = Number(hunk[1]);
      continue;
    }
    if (next === 0) continue; // before the first hunk header: nothing GitHub sends
    if (raw.startsWith("+")) added.push({ line: next++, text: raw.slice(1) });
    // A context line; an empty one is a context line whose leading space an editor stripped.
    else if (raw.startsWith(" ") || raw === "") next++;
    // "-" lines are not in the new file; "\ No newline at end of file" is no line at all.
  }
  return added;
}
