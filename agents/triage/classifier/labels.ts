/**
 * Map a predicted issue type onto a repository's/team's OWN label names.
 * Never invents a label: the result is always one of `available` (verbatim) or null.
 */
import type { IssueLabel } from "./classify.ts";

/** Synonyms in preference order (most preferred first), already normalized. */
const SYNONYMS: Record<IssueLabel, readonly string[]> = {
  bug: ["bug", "bugs", "bug report", "defect", "type bug", "confirmed bug"],
  feature: [
    "feature",
    "feature request",
    "enhancement",
    "new feature",
    "features",
    "enhancements",
    "feature requests",
    "improvement",
  ],
  question: ["question", "questions", "support", "support request", "usage question", "q a", "help request"],
};

/** Leading qualifier words stripped before matching ("type: bug", "kind/feature", "t-bug"). */
const PREFIXES = new Set(["type", "kind", "issue", "category", "cat", "t", "tag", "label", "class", "is"]);

/** Lowercase, drop emoji/punctuation, turn separators into single spaces. */
export function normalizeLabelName(name: string): string {
  return name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** Normalized name with qualifier prefixes removed, plus whether a prefix was removed. */
function core(name: string): { text: string; prefixed: boolean } {
  const words = normalizeLabelName(name).split(" ").filter(Boolean);
  let prefixed = false;
  while (words.length > 1 && PREFIXES.has(words[0]!)) {
    words.shift();
    prefixed = true;
  }
  return { text: words.join(" "), prefixed };
}

/**
 * Pick the repository label for `label` from `available`, or null if the repository has none.
 * Deterministic preference: synonym rank, then an unprefixed name over a prefixed one
 * ("bug" over "type: bug"), then the shorter name, then code-unit order.
 */
export function mapLabelToRepositoryLabel(label: IssueLabel, available: readonly string[]): string | null {
  const synonyms = SYNONYMS[label];
  if (!synonyms) return null;
  let best: { name: string; rank: number; prefixed: number } | null = null;
  for (const name of available) {
    if (typeof name !== "string" || name.trim() === "") continue;
    const c = core(name);
    const rank = synonyms.indexOf(c.text);
    if (rank < 0) continue;
    const cand = { name, rank, prefixed: c.prefixed ? 1 : 0 };
    if (
      !best ||
      cand.rank < best.rank ||
      (cand.rank === best.rank &&
        (cand.prefixed < best.prefixed ||
          (cand.prefixed === best.prefixed &&
            (cand.name.length < best.name.length || (cand.name.length === best.name.length && cand.name < best.name)))))
    ) {
      best = cand;
    }
  }
  return best ? best.name : null;
}
