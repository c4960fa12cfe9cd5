import { generatedOnlyRule } from "./generated-only.ts";
import { largeDiffRule } from "./large-diff.ts";
import { lockfileOnlyRule } from "./lockfile-only.ts";
import { migrationsRule } from "./migrations.ts";
import { secretsRule } from "./secrets.ts";
import { testsMissingRule } from "./tests-missing.ts";
import type { Finding, FindingRule, PullRequestChange } from "./types.ts";

export type { ChangedFile, Finding, FindingRule, PullRequestChange } from "./types.ts";

/** Every rule, most urgent first: the order findings are listed in. */
export const RULES: readonly FindingRule[] = [
  secretsRule,
  migrationsRule,
  testsMissingRule,
  largeDiffRule,
  lockfileOnlyRule,
  generatedOnlyRule,
];

/** What the rules find in a pull request, in RULES order. */
export async function findingsFor(change: PullRequestChange): Promise<Finding[]> {
  const found = await Promise.all(RULES.map((rule) => rule.check(change)));
  return found.filter((finding): finding is Finding => finding !== null);
}
