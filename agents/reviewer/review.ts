import { sensitiveAreas } from "./areas.ts";
import type { Finding, PullRequestChange } from "./findings/index.ts";

/** How a review comment starts; a follow-up finds the earlier review by it. */
export const REVIEW_HEADING = "**Review:**";
const FINDINGS_HEADING = "Findings:";

export interface Review {
  readonly change: PullRequestChange;
  readonly size: string;
  readonly findings: readonly Finding[];
  /** The files tool's word on what it left out of the diff. */
  readonly note?: string;
  /** Why the changed files could not be read, when they could not. */
  readonly filesError?: string;
  readonly labelsApplied: readonly string[];
}

/** The review comment: size, findings (or that there are none), areas to look at, what was not read. */
export function renderReview({ change, size, findings, note, filesError, labelsApplied }: Review): string {
  const lines = [`${REVIEW_HEADING} ${change.changedFiles} file(s) changed, +${change.additions} −${change.deletions} (size ${size}).`];
  if (filesError) {
    lines.push("", `I could not read the changed files (${filesError}), so this review goes by the pull request's size alone.`);
  }
  if (findings.length > 0) {
    lines.push("", FINDINGS_HEADING, ...findings.map((finding) => `- **${finding.title}** — ${finding.detail}`));
  } else if (!filesError) {
    lines.push(
      "",
      "No findings: no secret in the added lines, tests changed along with the source, no migration or schema change, " +
        "not lockfile- or generated-only, not a very large diff.",
    );
  }
  const areas = sensitiveAreas(change.files.map((file) => file.filename));
  if (areas.length > 0) lines.push("", "Worth a careful look:", ...areas.map((area) => `- ${area}`));
  if (change.files.length > 1) {
    const largest = [...change.files].sort((a, b) => b.additions + b.deletions - (a.additions + a.deletions)).slice(0, 5);
    lines.push("", "Largest changes:", ...largest.map((file) => `- \`${file.filename}\` (+${file.additions} −${file.deletions})`));
  }
  if (note) lines.push("", `_${note} Findings that need the patch text (secrets, schema changes) cover only what was read._`);
  if (labelsApplied.length > 0) lines.push("", `Labels applied: ${labelsApplied.map((label) => `\`${label}\``).join(", ")}`);
  return lines.join("\n");
}

/** The findings an earlier review comment listed, as "- **Title** — detail" lines. */
export function findingsIn(review: string): string[] {
  const lines = review.split("\n");
  const start = lines.indexOf(FINDINGS_HEADING);
  if (start < 0) return [];
  const listed: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith("- **")) break;
    listed.push(line);
  }
  return listed;
}

/** The titles of the findings in a review comment (what tests and follow-ups compare). */
export function findingTitles(review: string): string[] {
  return findingsIn(review).map((line) => /^- \*\*(.+?)\*\*/.exec(line)![1]!);
}
