/**
 * Train the embedded issue-triage classifier.
 *
 *   node scripts/train-triage.ts [--csv path] [--out path] [--folds 5] [--seed 20240101] [--no-cv]
 *                                [--options '{"l2":1e-4,"features":{"groupWeights":{"lead":0}}}'] [--no-write]
 *
 * --options overrides DEFAULT_TRAIN_OPTIONS (feature config and group weights are merged key by key),
 * so any row of the README's "What was tried" table can be re-run through this exact pipeline;
 * --no-write only reports the cross-validation.
 *
 * 1. Stratified k-fold cross-validation on the CSV (fixed seed; every fold extracts features and
 *    fits the model on its own training part only) → per-fold and mean macro F1.
 * 2. Picks LOW_CONFIDENCE_THRESHOLD from the out-of-fold confidences.
 * 3. Trains on all rows and writes agents/triage/classifier/model.json (deterministic bytes).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCsvObjects, TRAINING_CSV } from "./csv.ts";
import {
  confidenceAt,
  crossValidate,
  DEFAULT_TRAIN_OPTIONS,
  fitTemperature,
  serializeModel,
  train,
  type TrainingRow,
  type TrainOptions,
} from "./triage-model.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/**
 * Low-confidence threshold from out-of-fold predictions: bin confidences into 0.05-wide bins
 * (0.30-0.35, ..., 0.95-1.00); the threshold is the lower edge of the lowest bin such that every
 * bin from there up (with >= minCount predictions) was correct at least `targetAccuracy` of the time.
 * Below it, accuracy drops under ~60%.
 */
export function chooseThreshold(
  oof: readonly { confidence: number; correct: boolean }[],
  targetAccuracy = 0.6,
  minCount = 10,
): number {
  let threshold = 1 / 3;
  for (let lo = 30; lo < 100; lo += 5) {
    const bin = oof.filter((o) => o.confidence >= lo / 100 && (o.confidence < (lo + 5) / 100 || lo === 95));
    if (bin.length < minCount) continue;
    const acc = bin.filter((o) => o.correct).length / bin.length;
    if (acc < targetAccuracy) threshold = (lo + 5) / 100;
  }
  return threshold;
}

/** DEFAULT_TRAIN_OPTIONS with a JSON override merged in (features and group weights key by key). */
export function mergeOptions(json: string | undefined): TrainOptions {
  const base = DEFAULT_TRAIN_OPTIONS;
  if (!json) return base;
  const o = JSON.parse(json) as Partial<TrainOptions> & { features?: Partial<TrainOptions["features"]> };
  return {
    ...base,
    ...o,
    features: {
      ...base.features,
      ...(o.features ?? {}),
      groupWeights: { ...base.features.groupWeights, ...(o.features?.groupWeights ?? {}) },
    },
  };
}

function main(): void {
  const csvPath = resolve(arg("csv") ?? TRAINING_CSV);
  const outPath = resolve(arg("out") ?? resolve(ROOT, "agents/triage/classifier/model.json"));
  const folds = Number(arg("folds") ?? 5);
  const seed = Number(arg("seed") ?? 20240101);
  const options = mergeOptions(arg("options"));
  if (arg("options")) console.log(`options: ${JSON.stringify(options)}`);
  const t0 = performance.now();
  const rows: TrainingRow[] = parseCsvObjects(readFileSync(csvPath, "utf8")).map((r) => ({
    title: r.title ?? "",
    body: r.body ?? "",
    label: (r.label ?? "").trim(),
  }));
  console.log(`read ${rows.length} rows from ${csvPath}`);

  let threshold = 0.5;
  let temperature = 1;
  if (!process.argv.includes("--no-cv")) {
    const cv = crossValidate(rows, options, folds, seed, (f, f1) =>
      console.log(`fold ${f + 1}/${folds}: macro F1 ${f1.toFixed(4)}`),
    );
    console.log(`mean macro F1 over ${folds} folds: ${cv.meanMacroF1.toFixed(4)} (seed ${seed})`);
    console.log(`pooled out-of-fold: macro F1 ${cv.pooled.macro_f1.toFixed(4)}, accuracy ${cv.pooled.accuracy.toFixed(4)}`);
    for (const [label, m] of Object.entries(cv.pooled.per_class)) {
      console.log(`  ${label.padEnd(8)} P ${m.precision.toFixed(3)}  R ${m.recall.toFixed(3)}  F1 ${m.f1.toFixed(3)}  n ${m.support}`);
    }
    temperature = fitTemperature(cv.oof);
    const oof = cv.oof.map((o) => ({ confidence: confidenceAt(o.logits, temperature), correct: o.correct }));
    console.log(`softmax temperature (out-of-fold NLL): ${temperature}`);
    for (let lo = 30; lo < 100; lo += 10) {
      const bin = oof.filter((o) => o.confidence >= lo / 100 && (o.confidence < (lo + 10) / 100 || lo === 90));
      const a = bin.length ? bin.filter((o) => o.correct).length / bin.length : 0;
      console.log(`  confidence ${(lo / 100).toFixed(1)}-${((lo + 10) / 100).toFixed(1)}: n ${String(bin.length).padStart(4)}  accuracy ${a.toFixed(3)}`);
    }
    threshold = chooseThreshold(oof);
    const low = oof.filter((o) => o.confidence < threshold);
    const high = oof.filter((o) => o.confidence >= threshold);
    const acc = (xs: typeof low) => (xs.length ? xs.filter((o) => o.correct).length / xs.length : 0);
    console.log(
      `low-confidence threshold ${threshold}: ${low.length} of ${cv.oof.length} out-of-fold predictions below ` +
        `(accuracy ${acc(low).toFixed(3)}), accuracy at/above ${acc(high).toFixed(3)}`,
    );
  }

  if (process.argv.includes("--no-write")) return;
  const model = train(rows, options);
  model.temperature = temperature;
  model.lowConfidenceThreshold = threshold;
  const text = serializeModel(model);
  writeFileSync(outPath, text);
  console.log(
    `wrote ${outPath}: ${text.length} bytes, ${model.buckets.length} weight rows; ` +
      `${((performance.now() - t0) / 1000).toFixed(1)}s`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
