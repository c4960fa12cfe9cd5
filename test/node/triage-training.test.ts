import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { parseCsv, parseCsvObjects, toCsv, TRAINING_CSV } from "../../scripts/csv.ts";
import { DEFAULT_FEATURE_CONFIG, extractFeatures } from "../../agents/triage/classifier/features.ts";
import { mergeOptions } from "../../scripts/train-triage.ts";
import {
  crossValidate,
  DEFAULT_TRAIN_OPTIONS,
  serializeModel,
  stratifiedFolds,
  train,
  type TrainingRow,
} from "../../scripts/triage-model.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const NODE = resolve(ROOT, "node_modules/.bin/node");
const DATA = TRAINING_CSV;
const run = promisify(execFile);

const all = parseCsvObjects(readFileSync(DATA, "utf8"));
// Small deterministic subset: the first 12 issues of each (repo, label) pair from two repos.
function subset(perGroup: number): Record<string, string>[] {
  const seen = new Map<string, number>();
  return all.filter((r) => {
    if (r.repo !== "facebook/react" && r.repo !== "bitcoin/bitcoin") return false;
    const key = `${r.repo}/${r.label}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return n < perGroup;
  });
}
const small = subset(12);
const rows: TrainingRow[] = small.map((r) => ({ title: r.title!, body: r.body!, label: r.label! }));

const tmp = mkdtempSync(join(tmpdir(), "triage-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("csv", () => {
  it("parses quoted multi-line fields with escaped quotes and round-trips", () => {
    const text = 'a,b,c\r\n1,"line 1\nline ""2""",x\n2,,"y,z"\n';
    expect(parseCsv(text)).toEqual([
      ["a", "b", "c"],
      ["1", 'line 1\nline "2"', "x"],
      ["2", "", "y,z"],
    ]);
    expect(parseCsv(toCsv(parseCsv(text)))).toEqual(parseCsv(text));
    expect(() => parseCsv('a\n"unterminated')).toThrow();
  });
  it("reads the whole training split", () => {
    expect(all.length).toBe(1500);
    expect(new Set(all.map((r) => r.label))).toEqual(new Set(["bug", "feature", "question"]));
    expect(all.every((r) => typeof r.body === "string" && typeof r.title === "string")).toBe(true);
  });
});

describe("training", () => {
  it("stratified folds are balanced and seed-deterministic", () => {
    const labels = rows.map((r) => r.label);
    const f1 = stratifiedFolds(labels, 4, 7);
    expect(stratifiedFolds(labels, 4, 7)).toEqual(f1);
    expect(stratifiedFolds(labels, 4, 8)).not.toEqual(f1);
    for (let f = 0; f < 4; f++) {
      for (const l of ["bug", "feature", "question"]) {
        expect(labels.filter((x, i) => x === l && f1[i] === f).length).toBe(6);
      }
    }
  });

  it("is deterministic: two runs give byte-identical model JSON", () => {
    const a = serializeModel(train(rows, { maxIter: 50 }));
    const b = serializeModel(train(rows, { maxIter: 50 }));
    expect(a).toBe(b);
    const model = JSON.parse(a);
    expect(model.labels).toEqual(["bug", "feature", "question"]);
    expect(model.buckets.length).toBeGreaterThan(100);
    expect(model.weights.length).toBe(model.buckets.length * 3);
    // Different data gives a different model (the test can fail).
    expect(serializeModel(train(rows.slice(0, 48), { maxIter: 50 }))).not.toBe(a);
  });

  it("cross-validation is deterministic and better than chance on a subset", () => {
    const a = crossValidate(rows, { maxIter: 50 }, 3, 1);
    const b = crossValidate(rows, { maxIter: 50 }, 3, 1);
    expect(a.foldMacroF1).toEqual(b.foldMacroF1);
    expect(a.meanMacroF1).toBeGreaterThan(0.4);
  });
});

describe("features", () => {
  const issue = {
    title: "[Feature Request] Allow custom themes",
    body: "### Do you want to request a feature or report a bug?\n\nFeature\n\nIt would be nice to pick colours.",
  };
  it("adds position-aware lead words and template-section answers", () => {
    const names = extractFeatures(issue, DEFAULT_FEATURE_CONFIG).map((f) => f.name);
    expect(names).toContain("l:tag feature request");
    expect(names).toContain("l:t1 feature");
    expect(names).toContain("l:t2 feature request");
    expect(names).toContain("l:b1 do");
    expect(names).toContain("l:b report a");
    // Only the first 12 body tokens are lead words.
    expect(names).not.toContain("l:b would be");
    expect(names).toContain("sl:feature");
  });
  it("groups with weight 0 add nothing", () => {
    const off = { ...DEFAULT_FEATURE_CONFIG, groupWeights: { ...DEFAULT_FEATURE_CONFIG.groupWeights, lead: 0, sectionLead: 0 } };
    const names = extractFeatures(issue, off).map((f) => f.name);
    expect(names.some((n) => n.startsWith("l:") || n.startsWith("sl:"))).toBe(false);
    expect(names.some((n) => n.startsWith("t:"))).toBe(true);
  });
});

describe("train-triage --options", () => {
  it("merges overrides into the defaults key by key", () => {
    expect(mergeOptions(undefined)).toEqual(DEFAULT_TRAIN_OPTIONS);
    const o = mergeOptions('{"l2":1e-4,"features":{"groupWeights":{"lead":0}}}');
    expect(o.l2).toBe(1e-4);
    expect(o.nbMix).toBe(DEFAULT_TRAIN_OPTIONS.nbMix);
    expect(o.features.groupWeights.lead).toBe(0);
    expect(o.features.groupWeights.title).toBe(DEFAULT_TRAIN_OPTIONS.features.groupWeights.title);
    expect(o.features.hashBits).toBe(DEFAULT_TRAIN_OPTIONS.features.hashBits);
    expect(DEFAULT_TRAIN_OPTIONS.features.groupWeights.lead).toBe(1);
  });
});

describe("eval-triage", () => {
  it("prints per-issue lines and a final JSON summary line", async () => {
    const csvPath = join(tmp, "eval.csv");
    const header = ["repo", "created_at", "label", "title", "body"];
    const evalRows = subset(2).map((r) => header.map((h) => r[h] ?? ""));
    writeFileSync(csvPath, toCsv([header, ...evalRows]));
    const { stdout } = await run(NODE, [resolve(ROOT, "scripts/eval-triage.ts"), "--csv", csvPath], { cwd: ROOT });
    const lines = stdout.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(evalRows.length);
    const summary = JSON.parse(lines[lines.length - 1]!);
    expect(summary.n).toBe(evalRows.length);
    expect(summary.macro_f1).toBeGreaterThanOrEqual(0);
    expect(summary.macro_f1).toBeLessThanOrEqual(1);
    expect(Object.keys(summary.per_class).sort()).toEqual(["bug", "feature", "question"]);
    for (const c of Object.values(summary.per_class) as Record<string, number>[]) {
      expect(Object.keys(c).sort()).toEqual(["f1", "precision", "recall", "support"]);
    }
    expect(summary.per_class.bug.support).toBe(4);
    expect(summary.accuracy).toBeGreaterThan(0);
    expect(summary.median_ms_per_issue).toBeGreaterThan(0);
  });
});
