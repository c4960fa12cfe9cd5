// `git diff` output → the files of a pull request as GitHub lists them: each file's status and
// its patch (the hunks, without the `diff --git`/`---`/`+++` headers GitHub leaves out).

export interface DiffFile {
  readonly filename: string;
  readonly status: "added" | "removed" | "modified" | "renamed";
  /** Absent for a binary file or a bare rename, as GitHub leaves it out. */
  readonly patch?: string;
  readonly previous_filename?: string;
}

const FILE_HEADER = /^diff --git a\/(.+?) b\/(.+)$/;

export function parseGitDiff(diff: string): DiffFile[] {
  const files: DiffFile[] = [];
  let current: { from: string; to: string; status: DiffFile["status"]; hunks: string[] } | null = null;
  const flush = () => {
    if (!current) return;
    // A trailing newline at the end of the diff is not a context line of the last hunk.
    const patch = current.hunks.join("\n").replace(/\n+$/, "");
    files.push({
      filename: current.status === "removed" ? current.from : current.to,
      status: current.status,
      ...(patch ? { patch } : {}),
      ...(current.status === "renamed" ? { previous_filename: current.from } : {}),
    });
  };
  for (const line of diff.replace(/\r\n/g, "\n").split("\n")) {
    const header = FILE_HEADER.exec(line);
    if (header) {
      flush();
      current = { from: header[1]!, to: header[2]!, status: "modified", hunks: [] };
      continue;
    }
    if (!current) continue;
    if (current.hunks.length === 0) {
      // The extended header lines, before the first hunk.
      if (line.startsWith("new file mode")) current.status = "added";
      else if (line.startsWith("deleted file mode")) current.status = "removed";
      else if (line.startsWith("rename from ")) current.status = "renamed";
      if (!line.startsWith("@@")) continue;
    }
    current.hunks.push(line);
  }
  flush();
  return files;
}
