// Pull requests as GitHub lists their files, for the reviewer's tests: the four fixtures the
// reviewer must get exactly right, and builders for patches.

/** One file of a seeded pull request (the emulator counts additions and deletions from the patch). */
export interface FixtureFile {
  readonly filename: string;
  readonly status: "added" | "removed" | "modified" | "renamed";
  readonly patch?: string;
  readonly additions?: number;
  readonly deletions?: number;
}

export interface FixturePullRequest {
  readonly title: string;
  readonly files: readonly FixtureFile[];
  /** The rule ids the reviewer must report, no more and no fewer. */
  readonly findings: readonly string[];
  readonly size: string;
}

/** A patch that adds `lines` to a new file. */
export function newFilePatch(lines: readonly string[]): string {
  return [`@@ -0,0 +1,${lines.length} @@`, ...lines.map((line) => `+${line}`)].join("\n");
}

/** A one-hunk patch at `start`: context lines stay, `-` lines go, `+` lines come. */
export function hunk(start: number, lines: readonly string[]): string {
  const old = lines.filter((line) => !line.startsWith("+")).length;
  const now = lines.filter((line) => !line.startsWith("-")).length;
  return [`@@ -${start},${old} +${start},${now} @@`, ...lines].join("\n");
}

// Built at run time, so no scanner mistakes this file for a leak: both are made up, and neither
// is AWS's documented example pair, which secret scanners deliberately let through.
export const FAKE_AWS_ACCESS_KEY_ID = ["AKIA", "QYLPMN5HHHFPZAM2"].join("");
export const FAKE_AWS_SECRET_ACCESS_KEY = ["1tUm636uS1yOEcfP5pvf", "qJ/ml36mF7AkyHsEU0IU"].join("");

export const AWS_KEY_PR: FixturePullRequest = {
  title: "Deploy to production from CI",
  files: [
    {
      filename: "config/production.env",
      status: "added",
      patch: newFilePatch(["AWS_REGION=eu-west-1", `AWS_ACCESS_KEY_ID=${FAKE_AWS_ACCESS_KEY_ID}`, `AWS_SECRET_ACCESS_KEY=${FAKE_AWS_SECRET_ACCESS_KEY}`]),
    },
  ],
  findings: ["secret"],
  size: "XS",
};

export const TESTS_MISSING_PR: FixturePullRequest = {
  title: "Round invoice totals per line",
  files: [
    {
      filename: "src/billing/invoice.ts",
      status: "modified",
      patch: hunk(40, [
        " export function total(invoice: Invoice): number {",
        "-  return invoice.lines.reduce((sum, line) => sum + line.amount, 0);",
        "+  return invoice.lines.reduce((sum, line) => sum + roundCents(line.amount), 0);",
        " }",
        "+",
        "+function roundCents(amount: number): number {",
        "+  return Math.round(amount * 100) / 100;",
        "+}",
      ]),
    },
    { filename: "docs/billing.md", status: "modified", patch: hunk(3, [" ## Totals", "+Each line is rounded to the cent before summing."]) },
  ],
  findings: ["tests-missing"],
  size: "XS",
};

export const LOCKFILE_ONLY_PR: FixturePullRequest = {
  title: "Bump transitive dependencies",
  files: [
    {
      filename: "package-lock.json",
      status: "modified",
      patch: hunk(1200, [
        '     "node_modules/undici": {',
        '-      "version": "6.21.0",',
        '-      "integrity": "sha512-BUgJXc752Kou3oOIuU1i+yZZypyZRqNPW0vqoMPl8VaoalSfeR0D8/t4iAS3yirs79SSMTxTag+ZC86uswv+Cw==",',
        '+      "version": "6.21.1",',
        '+      "integrity": "sha512-/Yzb5KzYMSwqCEsS64WB6AFnD7ESWSpDyEhVnO8pavvr8JDimi6i3DAb8RA+qL0DRkGbdQnUvEAf1+oeQGeg5g==",',
        '       "license": "MIT"',
      ]),
    },
  ],
  findings: ["lockfile-only"],
  size: "XS",
};

/** 3,000 lines: 2,000 of source and 1,000 of tests, so only its size is a finding. */
export const LARGE_PR: FixturePullRequest = {
  title: "Rewrite the expression parser",
  files: [
    { filename: "src/parser/grammar.ts", status: "added", patch: newFilePatch(Array.from({ length: 2000 }, (_, i) => `export const rule${i} = token("r${i}");`)) },
    {
      filename: "test/parser/grammar.test.ts",
      status: "added",
      patch: newFilePatch(Array.from({ length: 1000 }, (_, i) => `test("rule ${i}", () => expect(parse("r${i}")).toBeDefined());`)),
    },
  ],
  findings: ["large-diff"],
  size: "XXL",
};

export const FIXTURE_PULL_REQUESTS = { AWS_KEY_PR, TESTS_MISSING_PR, LOCKFILE_ONLY_PR, LARGE_PR } as const;

/** The file as `list_pull_request_files` hands it on, counts filled in as GitHub fills them. */
export function asListed(file: FixtureFile) {
  const lines = (file.patch ?? "").split("\n");
  return {
    filename: file.filename,
    status: file.status,
    additions: file.additions ?? lines.filter((line) => line.startsWith("+")).length,
    deletions: file.deletions ?? lines.filter((line) => line.startsWith("-")).length,
    ...(file.patch !== undefined ? { patch: file.patch } : {}),
  };
}
