import { isLockfile } from "./paths.ts";
import { listFiles, type FindingRule } from "./types.ts";

/** Every changed file is a lockfile: dependency versions moved with no manifest or code change. */
export const lockfileOnlyRule: FindingRule = {
  id: "lockfile-only",
  title: "Lockfile-only change",
  check({ files }) {
    if (files.length === 0 || !files.every((file) => isLockfile(file.filename))) return null;
    return {
      rule: this.id,
      title: this.title,
      detail:
        `Only ${listFiles(files.map((file) => file.filename))} changed. The diff is not reviewable line by line: ` +
        "check which packages moved and to what versions (and their changelogs), and that no manifest change was meant to come with it.",
    };
  },
};
