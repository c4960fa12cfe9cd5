/**
 * Embedded issue-type classifier (bug / feature / question).
 *
 * Pure TypeScript + a JSON artifact; runs inside Cloudflare workerd. The model (hashed
 * linear model: multinomial logistic regression + naive Bayes, see README.md) is parsed once
 * per isolate at module load; classification is a feature pass plus a sparse dot product.
 */
import { extractFeatures, fnv1a, type FeatureConfig } from "./features.ts";
import model from "./model.json" with { type: "json" };

export type IssueLabel = "bug" | "feature" | "question";

export type ClassifyResult = { label: IssueLabel; confidence: number; reasons: string[] };

/** The trained artifact as the classifier reads it (written by scripts/train-triage.ts). */
export type ModelArtifact = {
  labels: IssueLabel[];
  features: FeatureConfig;
  bias: number[];
  /** Bucket indices, delta-encoded (first absolute, then differences), ascending. */
  buckets: number[];
  /** Multiply the integer weights by this to get real weights. */
  weightStep: number;
  /** Row-major integer weights: weights[i * labels.length + k] for bucket i, class k. */
  weights: number[];
  /** Softmax temperature (logits are divided by it), fitted on out-of-fold predictions. */
  temperature: number;
  /** Out-of-fold confidence below which accuracy was < 60% (set by train-triage.ts after CV). */
  lowConfidenceThreshold: number;
};

const M = model as unknown as ModelArtifact;
const LABELS = M.labels;
const K = LABELS.length;
const CONFIG = M.features;
const MASK = (1 << CONFIG.hashBits) - 1;
const TEMPERATURE = M.temperature > 0 ? M.temperature : 1;

/** bucket -> row offset into WEIGHTS (row * K). Built once per isolate. */
const ROW = new Map<number, number>();
const WEIGHTS = new Float64Array(M.weights.length);
{
  let b = 0;
  for (let i = 0; i < M.buckets.length; i++) {
    b += M.buckets[i]!;
    ROW.set(b, i * K);
  }
  for (let i = 0; i < M.weights.length; i++) WEIGHTS[i] = M.weights[i]! * M.weightStep;
}

/**
 * Predictions whose confidence is below this are "low confidence": the bot should not apply a
 * label on its own (ask a maintainer instead). Chosen by train-triage.ts from the out-of-fold
 * (5-fold CV) predictions: confidences are binned 0.05 wide, and the threshold is the lower edge
 * of the lowest bin from which every higher bin was right at least 60% of the time. Stored in
 * model.json so it tracks the artifact.
 */
export const LOW_CONFIDENCE_THRESHOLD: number = M.lowConfidenceThreshold;

export function isConfident(result: Pick<ClassifyResult, "confidence">): boolean {
  return result.confidence >= LOW_CONFIDENCE_THRESHOLD;
}

// ---------------------------------------------------------------------------------------------
// Human-readable reasons.

const STRUCT_REASONS: Record<string, string> = {
  "s:title_question_mark": "title asks a question",
  "s:title_question_word": "title is phrased as a question",
  "s:title_how_to": 'title asks "how to"',
  "s:title_request_verb": "title requests an addition or change",
  "s:title_bug_word": "title describes a failure",
  "s:ask_how": 'asks "how do I / how can I"',
  "s:ask_possible": 'asks "is it possible / is there a way"',
  "s:ask_help": "asks for help",
  "s:ask_understand": "asks why something works the way it does",
  "s:want_feature": "asks for new functionality",
  "s:bug_words": "describes something broken or failing",
  "s:error_words": "mentions an error",
  "s:h_steps": 'has a "Steps to reproduce" section',
  "s:h_expected": 'has an "Expected behavior" section',
  "s:h_actual": 'has an "Actual behavior" section',
  "s:h_feature": "uses the feature-request template",
  "s:h_bugreport": "uses the bug-report template",
  "s:h_question": "uses the question/support template",
  "s:h_env": "has a system-information section",
  "s:h_pr": "is written as a pull request",
  "s:code_block": "includes a code block",
  "s:stack_trace": "contains a stack trace",
  "s:error_line": "contains an error message",
  "s:version": "mentions a specific version",
  "s:numbered_steps": "lists numbered steps",
  "s:url": "links to related material",
  "s:image": "includes a screenshot",
  "s:inline_code": "references code identifiers",
  "s:checklist": "includes a checklist",
  "s:empty_template_sections": "leaves template sections empty",
  "s:html_comment": "keeps the issue-template instructions",
  "s:issue_type_bug": 'issue type is set to "Bug"',
  "s:issue_type_feature": 'issue type is set to "Feature Request"',
  "s:issue_type_support": 'issue type is set to "Support"',
  "s:pr_description": "describes a fix or change (pull request)",
  "s:body_len_0": "has no description",
  "s:body_len_1": "has a very short description",
  "s:body_len_4": "has a very long description",
  "s:title_len_0": "has a very short title",
};

const STOPWORDS = new Set(
  (
    "a an and are as at be been but by can could do doe for from had has have he her his i if in into is it its " +
    "me my no not of on or our she so that the their them then there these they thi this those to too us wa was " +
    "we were what when where which while who will with would you your 0 <hex> also just get use using"
  ).split(" "),
);

function readable(name: string): string | null {
  const colon = name.indexOf(":");
  const ns = name.slice(0, colon);
  const text = name.slice(colon + 1);
  if (ns === "s") return STRUCT_REASONS[name] ?? null;
  if (ns === "t" || ns === "b") {
    const words = text.split(" ");
    if (words.every((w) => STOPWORDS.has(w) || w.length < 3)) return null;
    if (words.some((w) => w === "0" || w === "<hex>")) return null;
    return ns === "t" ? `title mentions "${text}"` : `mentions "${text}"`;
  }
  if (ns === "l" || ns === "sl") {
    // Position-aware words: "l:tag x", "l:t1 x", "l:t2 x y", "l:b x [y]", "l:b1 x"; "sl:x [y]".
    const space = ns === "l" ? text.indexOf(" ") : -1;
    const kind = ns === "l" ? text.slice(0, space) : "sl";
    const phrase = ns === "l" ? text.slice(space + 1) : text;
    const words = phrase.split(" ");
    if (!phrase || words.every((w) => STOPWORDS.has(w) || w.length < 3)) return null;
    if (words.some((w) => w === "0" || w === "<hex>")) return null;
    if (kind === "tag") return `title is tagged "${phrase}"`;
    if (kind === "t1" || kind === "t2") return `title starts with "${phrase}"`;
    if (kind === "b1") return `description starts with "${phrase}"`;
    if (kind === "b") return `description opens with "${phrase}"`;
    if (kind === "sl") return `a template section answers "${phrase}"`;
    return null;
  }
  if (ns === "h") {
    if (text.length < 3 || text.length > 50) return null;
    return `has a "${text[0]!.toUpperCase()}${text.slice(1)}" section`;
  }
  if (ns === "m") {
    if (text.includes("bug_report")) return "uses the bug-report template";
    if (text.includes("feature_request")) return "uses the feature-request template";
    return null;
  }
  return null; // character n-grams, code words, etc. are not human-readable
}

// ---------------------------------------------------------------------------------------------

/** Classify an issue as bug / feature / question with a confidence and the main reasons. */
export function classifyIssue({ title, body }: { title: string; body?: string | null }): ClassifyResult {
  const features = extractFeatures({ title: title ?? "", body: body ?? "" }, CONFIG);
  const z = M.bias.slice();
  const rows = new Int32Array(features.length);
  for (let f = 0; f < features.length; f++) {
    const feat = features[f]!;
    const row = ROW.get(fnv1a(feat.name) & MASK);
    rows[f] = row === undefined ? -1 : row;
    if (row === undefined) continue;
    for (let k = 0; k < K; k++) z[k]! += WEIGHTS[row + k]! * feat.value;
  }
  let best = 0;
  for (let k = 1; k < K; k++) if (z[k]! > z[best]!) best = k;
  let sum = 0;
  for (let k = 0; k < K; k++) sum += Math.exp((z[k]! - z[best]!) / TEMPERATURE);
  const confidence = 1 / sum;

  // Reasons: features pushing the chosen label above the average of the others.
  const contrib: { text: string; score: number }[] = [];
  for (let f = 0; f < features.length; f++) {
    const row = rows[f]!;
    if (row < 0) continue;
    let others = 0;
    for (let k = 0; k < K; k++) if (k !== best) others += WEIGHTS[row + k]!;
    const score = features[f]!.value * (WEIGHTS[row + best]! - others / (K - 1));
    if (score <= 0) continue;
    const text = readable(features[f]!.name);
    if (text) contrib.push({ text, score });
  }
  contrib.sort((a, b) => b.score - a.score || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  const reasons: string[] = [];
  for (const c of contrib) {
    if (reasons.length >= 3) break;
    if (!reasons.includes(c.text)) reasons.push(c.text);
  }
  const label = LABELS[best]!;
  if (reasons.length === 0) reasons.push(`overall wording resembles other ${label === "feature" ? "feature request" : label} issues`);
  return { label, confidence, reasons };
}
