// Runs inside workerd (workers project): proves the embedded classifier works in the Workers runtime.
import { describe, expect, it } from "vitest";
import {
  classifyIssue,
  detectMissingInfo,
  isConfident,
  LOW_CONFIDENCE_THRESHOLD,
  mapLabelToRepositoryLabel,
  type IssueLabel,
  type MissingInfo,
} from "../agents/triage/classifier/index.ts";
import fixture from "./fixtures/nlbse24-samples.json" with { type: "json" };

type Sample = { row: number; repo: string; label: IssueLabel; title: string; body: string; missing?: MissingInfo[] };
const samples = (fixture as { samples: Sample[] }).samples;

function expectReadableReasons(reasons: string[]): void {
  expect(reasons.length).toBeGreaterThan(0);
  expect(reasons.length).toBeLessThanOrEqual(3);
  for (const r of reasons) {
    expect(typeof r).toBe("string");
    expect(r.length).toBeGreaterThan(5);
    // Phrased for people: no internal feature namespaces or hash buckets.
    expect(r).not.toMatch(/^(?:t|tc|b|m|h|s):|\bs:[a-z_]+|<hex>/);
  }
  expect(new Set(reasons).size).toBe(reasons.length);
}

describe("classifyIssue: clear examples", () => {
  const clear: { title: string; body: string; label: IssueLabel }[] = [
    {
      title: "App crashes with TypeError when saving settings",
      body:
        "### Steps to reproduce\n\n1. Open settings\n2. Click save\n\n### Expected behavior\n\nSettings are saved.\n\n" +
        "### Actual behavior\n\nThe app crashes:\n\n```\nTypeError: Cannot read properties of undefined (reading 'id')\n" +
        "    at save (settings.js:42:13)\n```\n\nVersion 2.3.1 on Windows 11.",
      label: "bug",
    },
    {
      title: "Add support for dark mode",
      body:
        "**Is your feature request related to a problem? Please describe.**\nThe UI is too bright at night.\n\n" +
        "**Describe the solution you'd like**\nIt would be nice to have an option to enable a dark theme.",
      label: "feature",
    },
    {
      title: "How do I configure the proxy settings?",
      body: "Is there a way to set a proxy for all requests? I couldn't find it in the docs. Any help appreciated, thanks!",
      label: "question",
    },
  ];
  for (const c of clear) {
    it(`labels "${c.title}" as ${c.label}`, () => {
      const r = classifyIssue({ title: c.title, body: c.body });
      expect(r.label).toBe(c.label);
      expect(r.confidence).toBeGreaterThan(0);
      expect(r.confidence).toBeLessThanOrEqual(1);
      expect(isConfident(r)).toBe(true);
      expectReadableReasons(r.reasons);
    });
  }

  it("explains a bug with its structure", () => {
    const r = classifyIssue({ title: clear[0]!.title, body: clear[0]!.body });
    expect(r.reasons.join(" | ")).toMatch(/stack trace|Steps to reproduce|failure|error|crash/i);
  });
  it("explains a question by its phrasing", () => {
    const r = classifyIssue({ title: clear[2]!.title, body: clear[2]!.body });
    expect(r.reasons.join(" | ")).toMatch(/question|how|is there a way|help/i);
  });
});

describe("classifyIssue: real issues from the NLBSE'24 training split", () => {
  it("fixture has at least two samples per class", () => {
    for (const l of ["bug", "feature", "question"] as const) {
      expect(samples.filter((s) => s.label === l).length).toBeGreaterThanOrEqual(2);
    }
  });
  for (const s of samples) {
    it(`row ${s.row} (${s.repo}) → ${s.label}`, () => {
      const r = classifyIssue({ title: s.title, body: s.body });
      expect(r.label).toBe(s.label);
      expect(r.confidence).toBeGreaterThan(0);
      expect(r.confidence).toBeLessThanOrEqual(1);
      expectReadableReasons(r.reasons);
    });
  }
});

describe("low confidence", () => {
  it("threshold is a probability above chance", () => {
    expect(LOW_CONFIDENCE_THRESHOLD).toBeGreaterThan(1 / 3);
    expect(LOW_CONFIDENCE_THRESHOLD).toBeLessThan(1);
  });
  it('an ambiguous issue ("hmm", no body) is not confident', () => {
    for (const body of ["", null, undefined]) {
      const r = classifyIssue({ title: "hmm", body });
      expect(r.confidence).toBeGreaterThan(0);
      expect(r.confidence).toBeLessThan(LOW_CONFIDENCE_THRESHOLD);
      expect(isConfident(r)).toBe(false);
      expect(r.reasons.length).toBeGreaterThan(0);
    }
  });
  it("isConfident compares against the threshold", () => {
    expect(isConfident({ confidence: LOW_CONFIDENCE_THRESHOLD })).toBe(true);
    expect(isConfident({ confidence: LOW_CONFIDENCE_THRESHOLD - 0.01 })).toBe(false);
  });
  it("handles empty and huge inputs quickly", () => {
    expect(classifyIssue({ title: "" }).label).toMatch(/^(bug|feature|question)$/);
    const huge = "at foo (bar.js:1:2)\n".repeat(50_000) + "a".repeat(100_000);
    const t0 = Date.now();
    const r = classifyIssue({ title: "x".repeat(10_000), body: huge });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(r.confidence).toBeGreaterThan(0);
  });
});

describe("mapLabelToRepositoryLabel", () => {
  const githubDefaults = [
    "bug",
    "documentation",
    "duplicate",
    "enhancement",
    "good first issue",
    "help wanted",
    "invalid",
    "question",
    "wontfix",
  ];
  it("GitHub default labels", () => {
    expect(mapLabelToRepositoryLabel("bug", githubDefaults)).toBe("bug");
    expect(mapLabelToRepositoryLabel("feature", githubDefaults)).toBe("enhancement");
    expect(mapLabelToRepositoryLabel("question", githubDefaults)).toBe("question");
  });
  it("Linear-like labels", () => {
    const linear = ["Bug", "Feature", "Improvement"];
    expect(mapLabelToRepositoryLabel("bug", linear)).toBe("Bug");
    expect(mapLabelToRepositoryLabel("feature", linear)).toBe("Feature");
    expect(mapLabelToRepositoryLabel("question", linear)).toBeNull();
  });
  it("prefixed and emoji labels", () => {
    const repo = ["type: bug", "kind/feature", "area/docs", "priority: high"];
    expect(mapLabelToRepositoryLabel("bug", repo)).toBe("type: bug");
    expect(mapLabelToRepositoryLabel("feature", repo)).toBe("kind/feature");
    expect(mapLabelToRepositoryLabel("question", repo)).toBeNull();
    expect(mapLabelToRepositoryLabel("bug", ["🐛 Bug", "✨ Feature Request", "❓ Question"])).toBe("🐛 Bug");
    expect(mapLabelToRepositoryLabel("feature", ["🐛 Bug", "✨ Feature Request", "❓ Question"])).toBe("✨ Feature Request");
    expect(mapLabelToRepositoryLabel("question", ["🐛 Bug", "✨ Feature Request", "❓ Question"])).toBe("❓ Question");
  });
  it("never invents labels and ignores look-alikes", () => {
    expect(mapLabelToRepositoryLabel("bug", [])).toBeNull();
    expect(mapLabelToRepositoryLabel("bug", ["not a bug", "bug-bounty", "debug"])).toBeNull();
    expect(mapLabelToRepositoryLabel("question", ["help wanted", "good first issue"])).toBeNull();
  });
  it("prefers the plain name deterministically, whatever the order", () => {
    const a = ["type: bug", "Bug", "bug"];
    const b = ["bug", "Bug", "type: bug"];
    expect(mapLabelToRepositoryLabel("bug", a)).toBe(mapLabelToRepositoryLabel("bug", b));
    expect(mapLabelToRepositoryLabel("bug", a)).not.toBe("type: bug");
    expect(mapLabelToRepositoryLabel("feature", ["enhancement", "feature"])).toBe("feature");
  });
});

describe("detectMissingInfo on real bug reports", () => {
  const bugs = samples.filter((s) => s.label === "bug" && s.missing);
  it("fixture covers a complete report and one lacking everything", () => {
    expect(bugs.some((s) => s.missing!.length === 0)).toBe(true);
    expect(bugs.some((s) => s.missing!.length === 3)).toBe(true);
  });
  for (const s of bugs) {
    it(`row ${s.row} (${s.repo}): ${JSON.stringify(s.missing)}`, () => {
      expect(detectMissingInfo({ title: s.title, body: s.body })).toEqual(s.missing);
    });
  }
  it("synthetic: detects each item independently", () => {
    const full = {
      title: "Crash on save",
      body: "Steps to reproduce:\n1. open\n2. save\n\nExpected: file saved. Instead it crashes.\n\nVersion: 1.4.2",
    };
    expect(detectMissingInfo(full)).toEqual([]);
    expect(detectMissingInfo({ title: "Crash on save", body: "It crashes." })).toEqual([
      "reproduction steps",
      "version",
      "expected vs actual behaviour",
    ]);
    expect(detectMissingInfo({ ...full, body: full.body.replace("Version: 1.4.2", "") })).toEqual(["version"]);
    expect(
      detectMissingInfo({ ...full, body: "Expected: file saved. Instead it crashes.\n\nVersion: 1.4.2" }),
    ).toEqual(["reproduction steps"]);
    expect(detectMissingInfo({ ...full, body: "Steps to reproduce:\n1. open\n2. save\n\nVersion: 1.4.2" })).toEqual([
      "expected vs actual behaviour",
    ]);
    // Empty template sections do not count.
    expect(
      detectMissingInfo({ title: "x", body: "### Steps to reproduce\n\n_No response_\n\n### Version\n\n_No response_" }),
    ).toEqual(["reproduction steps", "version", "expected vs actual behaviour"]);
  });
});
