/**
 * Evaluate the committed triage model on a labelled CSV (columns repo, created_at, label, title, body;
 * only label/title/body are used).
 *
 *   node scripts/eval-triage.ts --csv <file> [--quiet]
 *
 * Prints one human-readable line per issue (unless --quiet), a summary, and as the LAST line one
 * JSON object: {"n", "per_class", "macro_f1", "accuracy", "median_ms_per_issue"}.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { classifyIssue } from "../agents/triage/classifier/classify.ts";
import { parseCsvObjects } from "./csv.ts";
import { computeMetrics, LABELS } from "./triage-model.ts";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const csv = arg("csv");
if (!csv) {
  console.error("usage: node scripts/eval-triage.ts --csv <file> [--quiet]");
  process.exit(2);
}
const quiet = process.argv.includes("--quiet");
const rows = parseCsvObjects(readFileSync(resolve(csv), "utf8"));

// Warm up (JIT, lazy module state) so timings reflect steady-state per-issue cost.
for (let i = 0; i < Math.min(20, rows.length); i++) classifyIssue({ title: rows[i]!.title ?? "", body: rows[i]!.body ?? "" });

const gold: string[] = [];
const pred: string[] = [];
const times: number[] = [];
for (const [i, r] of rows.entries()) {
  const t0 = performance.now();
  const res = classifyIssue({ title: r.title ?? "", body: r.body ?? "" });
  times.push(performance.now() - t0);
  const label = (r.label ?? "").trim();
  gold.push(label);
  pred.push(res.label);
  if (!quiet) {
    const mark = label === res.label ? "ok  " : "MISS";
    console.log(
      `${mark} #${i + 1} gold=${label || "?"} pred=${res.label} conf=${res.confidence.toFixed(2)} ` +
        `| ${(r.title ?? "").slice(0, 80)} | ${res.reasons.join("; ")}`,
    );
  }
}

times.sort((a, b) => a - b);
const median = times.length ? (times[(times.length - 1) >> 1]! + times[times.length >> 1]!) / 2 : 0;
const m = computeMetrics(gold, pred, LABELS);
const r4 = (x: number) => Math.round(x * 10000) / 10000;
const perClass: Record<string, { precision: number; recall: number; f1: number; support: number }> = {};
for (const l of LABELS) {
  const c = m.per_class[l]!;
  perClass[l] = { precision: r4(c.precision), recall: r4(c.recall), f1: r4(c.f1), support: c.support };
  console.log(`${l.padEnd(8)} P ${c.precision.toFixed(3)}  R ${c.recall.toFixed(3)}  F1 ${c.f1.toFixed(3)}  n ${c.support}`);
}
console.log(`n ${m.n}  macro F1 ${m.macro_f1.toFixed(4)}  accuracy ${m.accuracy.toFixed(4)}  median ${median.toFixed(4)} ms/issue`);
console.log(
  JSON.stringify({
    n: m.n,
    per_class: perClass,
    macro_f1: r4(m.macro_f1),
    accuracy: r4(m.accuracy),
    median_ms_per_issue: Math.round(median * 10000) / 10000,
  }),
);
