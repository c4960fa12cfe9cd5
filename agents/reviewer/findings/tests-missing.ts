import { isGenerated } from "./generated-only.ts";
import { isMigrationPath, isSourceFile, isTestFile } from "./paths.ts";
import { listFiles, type FindingRule } from "./types.ts";

/**
 * Source that changed while no test was added or changed (deleting one does not cover the
 * change). A deleted source file needs no new test, and migrations and generated code are other
 * rules' concern.
 */
export const testsMissingRule: FindingRule = {
  id: "tests-missing",
  title: "Source changed without tests",
  check({ files }) {
    if (files.some((file) => file.status !== "removed" && isTestFile(file.filename))) return null;
    const source = files.filter(
      (file) =>
        file.status !== "removed" &&
        file.additions + file.deletions > 0 &&
        isSourceFile(file.filename) &&
        !isMigrationPath(file.filename) &&
        !isGenerated(file),
    );
    if (source.length === 0) return null;
    return {
      rule: this.id,
      title: this.title,
      detail: `${listFiles(source.map((file) => file.filename))} changed, and no test file did. Add or update a test that covers the change, or say in the description why none is needed.`,
    };
  },
};
