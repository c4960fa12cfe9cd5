import { DEFAULT_FEATURE_CONFIG, extractFeatures, type FeatureConfig } from "../classifier/features.ts";

/**
 * How alike two reports are, 0 to 1: the cosine of their word vectors, built with the triage
 * classifier's own feature extraction (its tokenizer, light stemmer, prose cleaning that drops
 * code fences, URLs and template filler, log-scaled and L2-normalized groups, title character
 * n-grams that survive typos and identifiers). No library or model to load: the same code already
 * runs in workerd for every triage, in well under a millisecond.
 *
 * Only the word groups count. The structural ones (has a stack trace, asks a question) say what
 * kind of report it is, which every bug report shares; they would make all bug reports alike.
 */
const WORDS_ONLY: FeatureConfig = {
  ...DEFAULT_FEATURE_CONFIG,
  groupWeights: { title: 1, titleChars: 0.6, body: 1, bodyChars: 0, comment: 0, heading: 0, struct: 0, structPairs: 0, code: 0, lead: 0, tail: 0, sectionLead: 0, paraLead: 0, template: 0 },
};

/** A report above this similarity is offered as a duplicate (test/ticket-trackers.test.ts holds the cases it separates). */
export const DUPLICATE_THRESHOLD = 0.35;

/** Words that carry no subject: without them two unrelated reports in plain English share little. */
const FUNCTION_WORDS = new Set(
  "a an the and or but if of to in on at by for with from as is are was were be been am it its it' i i'm we you he she they them this that these those my our your his her their me us do doe did not no so than then there here what when where which who how why can could would should will just also".split(
    " ",
  ),
);

export type ReportVector = ReadonlyMap<string, number>;

/**
 * A report (or ticket) as a unit vector. Title and body words share one namespace, because a chat
 * report has no title of its own: its first line stands in for one.
 */
export function reportVector(report: { title: string; body: string }): ReportVector {
  const vector = new Map<string, number>();
  for (const { name, value } of extractFeatures(report, WORDS_ONLY)) {
    const colon = name.indexOf(":");
    const namespace = name.slice(0, colon);
    const term = name.slice(colon + 1);
    if (namespace !== "tc" && term.split(" ").every((word) => FUNCTION_WORDS.has(word))) continue;
    const key = namespace === "tc" ? name : `w:${term}`;
    vector.set(key, (vector.get(key) ?? 0) + value);
  }
  let norm = 0;
  for (const value of vector.values()) norm += value * value;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (const [key, value] of vector) vector.set(key, value * scale);
  return vector;
}

export function similarity(a: ReportVector, b: ReportVector): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [key, value] of small) dot += value * (large.get(key) ?? 0);
  return Math.round(Math.min(1, Math.max(0, dot)) * 1000) / 1000;
}

/** A chat message as a report: its first line (or sentence) stands for a title. */
export function chatReport(text: string): { title: string; body: string } {
  const firstLine = text.trim().split("\n")[0] ?? "";
  const sentence = /^(.{20,}?[.!?])(\s|$)/.exec(firstLine)?.[1] ?? firstLine;
  return { title: sentence.length > 100 ? `${sentence.slice(0, 97).replace(/\s+\S*$/, "")}…` : sentence, body: text };
}
