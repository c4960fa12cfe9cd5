/**
 * Training library for the issue-triage classifier (used by scripts/train-triage.ts and tests).
 *
 * Model: multinomial logistic regression with L2 regularization over hashed features
 * (agents/triage/classifier/features.ts), fitted with deterministic full-batch L-BFGS.
 * Everything here is deterministic: seeded PRNG for fold assignment, fixed iteration order,
 * no parallelism, so the same rows + options always give a byte-identical model.json.
 */
import type { ModelArtifact } from "../agents/triage/classifier/classify.ts";
import {
  DEFAULT_FEATURE_CONFIG,
  extractFeatures,
  hashFeatures,
  type FeatureConfig,
  type SparseVector,
} from "../agents/triage/classifier/features.ts";

export const LABELS = ["bug", "feature", "question"] as const;
export type Label = (typeof LABELS)[number];

export type TrainingRow = { title: string; body: string; label: string };

export type TrainOptions = {
  /** L2 regularization strength (on mean cross-entropy). */
  l2: number;
  /** Max L-BFGS iterations. */
  maxIter: number;
  features: FeatureConfig;
  /** Weights with |w| below this (for all classes) are dropped from the artifact. */
  pruneBelow: number;
  /** Keep at most this many buckets (largest max-|w| first) so the artifact stays small. */
  maxBuckets: number;
  /** Weights are stored as integers: round(w / weightStep). */
  weightStep: number;
  /** Weight of the multinomial naive Bayes log-probabilities added to the LR weights (0 = pure LR). */
  nbMix: number;
  /** Additive (Laplace/Lidstone) smoothing of the naive Bayes feature counts. */
  nbAlpha: number;
};

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  l2: 5e-4,
  maxIter: 200,
  features: DEFAULT_FEATURE_CONFIG,
  pruneBelow: 2e-3,
  maxBuckets: 40_000,
  weightStep: 1e-3,
  nbMix: 0.3,
  nbAlpha: 0.1,
};

/** Serialized model (agents/triage/classifier/model.json): what the classifier loads, plus provenance. */
export type ModelJson = ModelArtifact & {
  format: "switchboard-triage-lr/1";
  labels: Label[];
  meta: Record<string, unknown>;
};

// ---------------------------------------------------------------------------------------------
// PRNG + folds.

/** mulberry32: small, fast, deterministic PRNG. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Stratified k-fold: returns fold index per row. Deterministic given seed. */
export function stratifiedFolds(labels: readonly string[], k: number, seed: number): number[] {
  const rand = mulberry32(seed);
  const byClass = new Map<string, number[]>();
  labels.forEach((l, i) => {
    if (!byClass.has(l)) byClass.set(l, []);
    byClass.get(l)!.push(i);
  });
  const fold = new Array<number>(labels.length).fill(0);
  let offset = 0;
  for (const cls of [...byClass.keys()].sort()) {
    const idx = byClass.get(cls)!;
    // Fisher–Yates.
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    idx.forEach((row, i) => (fold[row] = (i + offset) % k));
    offset += idx.length;
  }
  return fold;
}

// ---------------------------------------------------------------------------------------------
// Metrics.

export type ClassMetrics = { precision: number; recall: number; f1: number; support: number };
export type Metrics = { n: number; per_class: Record<string, ClassMetrics>; macro_f1: number; accuracy: number };

export function computeMetrics(gold: readonly string[], pred: readonly string[], labels: readonly string[] = LABELS): Metrics {
  const per: Record<string, ClassMetrics> = {};
  let correct = 0;
  for (let i = 0; i < gold.length; i++) if (gold[i] === pred[i]) correct++;
  let f1sum = 0;
  for (const l of labels) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < gold.length; i++) {
      if (pred[i] === l && gold[i] === l) tp++;
      else if (pred[i] === l) fp++;
      else if (gold[i] === l) fn++;
    }
    const precision = tp + fp ? tp / (tp + fp) : 0;
    const recall = tp + fn ? tp / (tp + fn) : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    per[l] = { precision, recall, f1, support: tp + fn };
    f1sum += f1;
  }
  return { n: gold.length, per_class: per, macro_f1: f1sum / labels.length, accuracy: gold.length ? correct / gold.length : 0 };
}

// ---------------------------------------------------------------------------------------------
// Logistic regression.

export type Dataset = { x: SparseVector[]; y: number[]; dim: number; buckets: number[] };

/** Vectorize rows and remap the used hash buckets to a compact 0..dim-1 range. */
export function buildDataset(rows: readonly TrainingRow[], config: FeatureConfig): Dataset {
  const raw = rows.map((r) => hashFeatures(extractFeatures({ title: r.title, body: r.body }, config), config.hashBits));
  const used = new Set<number>();
  for (const v of raw) for (const b of v.idx) used.add(b);
  const buckets = [...used].sort((a, b) => a - b);
  const remap = new Map<number, number>();
  buckets.forEach((b, i) => remap.set(b, i));
  const x = raw.map((v) => ({ idx: Int32Array.from(v.idx, (b) => remap.get(b)!), val: v.val }));
  const y = rows.map((r) => {
    const k = (LABELS as readonly string[]).indexOf(r.label);
    if (k < 0) throw new Error(`unknown label ${JSON.stringify(r.label)}`);
    return k;
  });
  return { x, y, dim: buckets.length, buckets };
}

const K = LABELS.length;

/** Objective and gradient. params = [W (dim*K) | b (K)]. Loss = mean CE + l2/2 ||W||^2. */
function lossGrad(params: Float64Array, ds: Dataset, l2: number, grad: Float64Array): number {
  const { x, y, dim } = ds;
  grad.fill(0);
  const n = x.length;
  const boff = dim * K;
  let loss = 0;
  const z = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    const { idx, val } = x[i]!;
    for (let k = 0; k < K; k++) z[k] = params[boff + k]!;
    for (let j = 0; j < idx.length; j++) {
      const o = idx[j]! * K;
      const v = val[j]!;
      for (let k = 0; k < K; k++) z[k]! += params[o + k]! * v;
    }
    let m = -Infinity;
    for (let k = 0; k < K; k++) if (z[k]! > m) m = z[k]!;
    let s = 0;
    for (let k = 0; k < K; k++) {
      z[k] = Math.exp(z[k]! - m);
      s += z[k]!;
    }
    const yi = y[i]!;
    loss += -Math.log(z[yi]! / s);
    for (let k = 0; k < K; k++) z[k] = (z[k]! / s - (k === yi ? 1 : 0)) / n;
    for (let j = 0; j < idx.length; j++) {
      const o = idx[j]! * K;
      const v = val[j]!;
      for (let k = 0; k < K; k++) grad[o + k]! += z[k]! * v;
    }
    for (let k = 0; k < K; k++) grad[boff + k]! += z[k]!;
  }
  loss /= n;
  let reg = 0;
  for (let j = 0; j < boff; j++) {
    reg += params[j]! * params[j]!;
    grad[j]! += l2 * params[j]!;
  }
  return loss + 0.5 * l2 * reg;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Deterministic L-BFGS (memory 10) with backtracking Armijo line search. */
export function lbfgs(ds: Dataset, l2: number, maxIter: number): Float64Array {
  const size = ds.dim * K + K;
  const m = 10;
  let w = new Float64Array(size);
  let g = new Float64Array(size);
  let f = lossGrad(w, ds, l2, g);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const RHO: number[] = [];
  const d = new Float64Array(size);
  const wNew = new Float64Array(size);
  const gNew = new Float64Array(size);
  for (let iter = 0; iter < maxIter; iter++) {
    // Two-loop recursion: d = -H g.
    d.set(g);
    const alpha: number[] = new Array(S.length);
    for (let i = S.length - 1; i >= 0; i--) {
      alpha[i] = RHO[i]! * dot(S[i]!, d);
      const yi = Y[i]!;
      const a = alpha[i]!;
      for (let j = 0; j < size; j++) d[j]! -= a * yi[j]!;
    }
    if (S.length > 0) {
      const last = S.length - 1;
      const gamma = dot(S[last]!, Y[last]!) / dot(Y[last]!, Y[last]!);
      for (let j = 0; j < size; j++) d[j]! *= gamma;
    } else {
      const gn = Math.sqrt(dot(g, g));
      for (let j = 0; j < size; j++) d[j]! /= gn || 1;
    }
    for (let i = 0; i < S.length; i++) {
      const beta = RHO[i]! * dot(Y[i]!, d);
      const si = S[i]!;
      const c = alpha[i]! - beta;
      for (let j = 0; j < size; j++) d[j]! += c * si[j]!;
    }
    for (let j = 0; j < size; j++) d[j] = -d[j]!;
    let gd = dot(g, d);
    if (gd >= 0) {
      // Not a descent direction: reset to steepest descent.
      S.length = 0;
      Y.length = 0;
      RHO.length = 0;
      for (let j = 0; j < size; j++) d[j] = -g[j]!;
      gd = dot(g, d);
    }
    let step = 1;
    let fNew = 0;
    let ok = false;
    for (let ls = 0; ls < 30; ls++) {
      for (let j = 0; j < size; j++) wNew[j] = w[j]! + step * d[j]!;
      fNew = lossGrad(wNew, ds, l2, gNew);
      if (fNew <= f + 1e-4 * step * gd) {
        ok = true;
        break;
      }
      step *= 0.5;
    }
    if (!ok) break;
    const s = new Float64Array(size);
    const yv = new Float64Array(size);
    for (let j = 0; j < size; j++) {
      s[j] = wNew[j]! - w[j]!;
      yv[j] = gNew[j]! - g[j]!;
    }
    const sy = dot(s, yv);
    if (sy > 1e-12) {
      S.push(s);
      Y.push(yv);
      RHO.push(1 / sy);
      if (S.length > m) {
        S.shift();
        Y.shift();
        RHO.shift();
      }
    }
    const rel = Math.abs(f - fNew) / Math.max(1, Math.abs(f));
    [w, g] = [Float64Array.from(wNew), Float64Array.from(gNew)];
    f = fNew;
    if (rel < 1e-9) break;
  }
  return w;
}

/**
 * Fold a multinomial naive Bayes model into the LR weights (an LR + NB ensemble is still linear):
 * w[j,k] += mix * (log θ[k,j] - mean_k log θ[k,j]). Centering per feature leaves softmax
 * probabilities unchanged but makes uninformative weights ~0 so they can be pruned.
 */
function addNaiveBayes(w: Float64Array, ds: Dataset, mix: number, alpha: number): void {
  const cnt = new Float64Array(ds.dim * K);
  const tot = new Float64Array(K);
  const docs = new Float64Array(K);
  for (let i = 0; i < ds.x.length; i++) {
    const { idx, val } = ds.x[i]!;
    const y = ds.y[i]!;
    docs[y]! += 1;
    for (let j = 0; j < idx.length; j++) {
      const v = Math.max(0, val[j]!);
      cnt[idx[j]! * K + y]! += v;
      tot[y]! += v;
    }
  }
  const logp = new Float64Array(K);
  for (let j = 0; j < ds.dim; j++) {
    let mean = 0;
    for (let k = 0; k < K; k++) {
      logp[k] = Math.log((cnt[j * K + k]! + alpha) / (tot[k]! + alpha * ds.dim));
      mean += logp[k]! / K;
    }
    for (let k = 0; k < K; k++) w[j * K + k]! += mix * (logp[k]! - mean);
  }
  let meanPrior = 0;
  for (let k = 0; k < K; k++) meanPrior += Math.log(docs[k]! / ds.x.length) / K;
  for (let k = 0; k < K; k++) w[ds.dim * K + k]! += mix * (Math.log(docs[k]! / ds.x.length) - meanPrior);
}

/** Round to `digits` significant digits; returns a plain number (-0 normalized to 0). */
export function roundSig(x: number, digits: number): number {
  if (x === 0 || !Number.isFinite(x)) return 0;
  const r = Number(x.toPrecision(digits));
  return r === 0 ? 0 : r;
}

/** Train on all rows and return the serializable model. */
export function train(rows: readonly TrainingRow[], options: Partial<TrainOptions> = {}): ModelJson {
  const opt: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, ...options };
  const ds = buildDataset(rows, opt.features);
  const w = lbfgs(ds, opt.l2, opt.maxIter);
  if (opt.nbMix !== 0) addNaiveBayes(w, ds, opt.nbMix, opt.nbAlpha);
  // Rank buckets by their largest |weight|; keep the top maxBuckets above pruneBelow.
  const strength = new Float64Array(ds.dim);
  for (let i = 0; i < ds.dim; i++) {
    let m = 0;
    for (let k = 0; k < K; k++) m = Math.max(m, Math.abs(w[i * K + k]!));
    strength[i] = m;
  }
  const order = [...Array(ds.dim).keys()]
    .filter((i) => strength[i]! >= opt.pruneBelow)
    .sort((a, b) => strength[b]! - strength[a]! || a - b)
    .slice(0, opt.maxBuckets)
    .sort((a, b) => a - b);
  const buckets: number[] = [];
  const weights: number[] = [];
  let prev = 0;
  for (const i of order) {
    const b = ds.buckets[i]!;
    buckets.push(b - prev);
    prev = b;
    for (let k = 0; k < K; k++) weights.push(Math.round(w[i * K + k]! / opt.weightStep) || 0);
  }
  const bias = Array.from({ length: K }, (_, k) => roundSig(w[ds.dim * K + k]!, 6));
  return {
    format: "switchboard-triage-lr/1",
    labels: [...LABELS],
    features: opt.features,
    bias,
    buckets,
    weightStep: opt.weightStep,
    weights,
    temperature: 1,
    lowConfidenceThreshold: 0.5,
    meta: {
      trainingRows: rows.length,
      l2: opt.l2,
      maxIter: opt.maxIter,
      nbMix: opt.nbMix,
      nbAlpha: opt.nbAlpha,
      pruneBelow: opt.pruneBelow,
      maxBuckets: opt.maxBuckets,
    },
  };
}

/** Stable JSON text of a model (key order as constructed; one line per array for diffs). */
export function serializeModel(model: ModelJson): string {
  return JSON.stringify(model) + "\n";
}

// ---------------------------------------------------------------------------------------------
// Prediction from a ModelJson (same math as classify.ts, used for CV).

export type Predictor = (input: { title: string; body?: string | null }) => {
  probs: number[];
  logits: number[];
  label: Label;
};

export function makePredictor(model: ModelJson): Predictor {
  const table = new Map<number, number>();
  let b = 0;
  model.buckets.forEach((d, i) => {
    b += d;
    table.set(b, i);
  });
  const k = model.labels.length;
  return (input) => {
    const v = hashFeatures(extractFeatures(input, model.features), model.features.hashBits);
    const z = model.bias.slice();
    for (let j = 0; j < v.idx.length; j++) {
      const row = table.get(v.idx[j]!);
      if (row === undefined) continue;
      for (let c = 0; c < k; c++) z[c]! += model.weights[row * k + c]! * model.weightStep * v.val[j]!;
    }
    const m = Math.max(...z);
    const e = z.map((x) => Math.exp((x - m) / model.temperature));
    const s = e.reduce((a, c) => a + c, 0);
    const probs = e.map((x) => x / s);
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[c]! > probs[best]!) best = c;
    return { probs, logits: z, label: model.labels[best]! };
  };
}

export type CvResult = {
  foldMacroF1: number[];
  meanMacroF1: number;
  pooled: Metrics;
  /** Out-of-fold predictions (row order). */
  oof: { label: Label; confidence: number; correct: boolean; logits: number[]; gold: number }[];
};

/** Stratified k-fold cross-validation; each fold trains from scratch on its training part only. */
export function crossValidate(
  rows: readonly TrainingRow[],
  options: Partial<TrainOptions> = {},
  k = 5,
  seed = 20240101,
  onFold?: (fold: number, f1: number) => void,
): CvResult {
  const folds = stratifiedFolds(rows.map((r) => r.label), k, seed);
  const oof: CvResult["oof"] = new Array(rows.length);
  const foldMacroF1: number[] = [];
  for (let f = 0; f < k; f++) {
    const trainRows = rows.filter((_, i) => folds[i] !== f);
    const testIdx = rows.map((_, i) => i).filter((i) => folds[i] === f);
    const model = train(trainRows, options);
    const predict = makePredictor(model);
    const gold: string[] = [];
    const pred: string[] = [];
    for (const i of testIdx) {
      const r = rows[i]!;
      const p = predict({ title: r.title, body: r.body });
      gold.push(r.label);
      pred.push(p.label);
      oof[i] = {
        label: p.label,
        confidence: Math.max(...p.probs),
        correct: p.label === r.label,
        logits: p.logits,
        gold: (LABELS as readonly string[]).indexOf(r.label),
      };
    }
    const f1 = computeMetrics(gold, pred).macro_f1;
    foldMacroF1.push(f1);
    onFold?.(f, f1);
  }
  const pooled = computeMetrics(
    rows.map((r) => r.label),
    oof.map((o) => o.label),
  );
  return { foldMacroF1, meanMacroF1: foldMacroF1.reduce((a, b) => a + b, 0) / k, pooled, oof };
}

/** Temperature (grid 0.5..8, step 0.05) minimizing out-of-fold negative log-likelihood. */
export function fitTemperature(oof: CvResult["oof"]): number {
  let best = 1;
  let bestNll = Infinity;
  for (let i = 10; i <= 160; i++) {
    const t = i / 20;
    let nll = 0;
    for (const o of oof) {
      const m = Math.max(...o.logits);
      let s = 0;
      for (const z of o.logits) s += Math.exp((z - m) / t);
      nll += -((o.logits[o.gold]! - m) / t - Math.log(s));
    }
    if (nll < bestNll - 1e-9) {
      bestNll = nll;
      best = t;
    }
  }
  return best;
}

/** Max softmax probability of logits at temperature t. */
export function confidenceAt(logits: readonly number[], t: number): number {
  const m = Math.max(...logits);
  let s = 0;
  for (const z of logits) s += Math.exp((z - m) / t);
  return 1 / s;
}
