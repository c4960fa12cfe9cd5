// The reviewer's finding rules, run inside workerd (workers project): secretlint's rule set
// included, so this also proves it loads and runs in the Workers runtime.
import { describe, expect, it } from "vitest";
import { findingsFor, RULES, type ChangedFile, type PullRequestChange } from "../agents/reviewer/findings/index.ts";
import { addedLines } from "../agents/reviewer/findings/patch.ts";
import { secretsAdded } from "../agents/reviewer/findings/secrets.ts";
import { findingTitles, renderReview } from "../agents/reviewer/review.ts";
import { sizeLabel, sizeOf } from "../agents/reviewer/size.ts";
import {
  asListed,
  FAKE_AWS_ACCESS_KEY_ID,
  FAKE_AWS_SECRET_ACCESS_KEY,
  FIXTURE_PULL_REQUESTS,
  hunk,
  newFilePatch,
  type FixtureFile,
} from "./support/pull-requests.ts";

function change(files: readonly FixtureFile[]): PullRequestChange {
  const listed = files.map(asListed);
  return {
    files: listed,
    additions: listed.reduce((sum, file) => sum + file.additions, 0),
    deletions: listed.reduce((sum, file) => sum + file.deletions, 0),
    changedFiles: listed.length,
  };
}

async function freshPrivateKeyPem(): Promise<string> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const der = new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
  const base64 = btoa(String.fromCharCode(...der));
  return ["-----BEGIN PRIVATE KEY-----", ...(base64.match(/.{1,64}/g) ?? []), "-----END PRIVATE KEY-----"].join("\n");
}

const rulesFound = async (files: readonly FixtureFile[]) => (await findingsFor(change(files))).map((finding) => finding.rule);
const file = (filename: string, patch: string, status: FixtureFile["status"] = "modified"): FixtureFile => ({ filename, status, patch });

describe("the four fixture pull requests get exactly their findings", () => {
  for (const [name, pr] of Object.entries(FIXTURE_PULL_REQUESTS)) {
    it(`${name}: ${pr.findings.join(", ")}; size ${pr.size}`, async () => {
      expect(await rulesFound(pr.files)).toEqual(pr.findings);
      const { additions, deletions } = change(pr.files);
      expect(sizeOf(additions + deletions)).toBe(pr.size);
    });
  }
});

describe("addedLines: what a patch adds, numbered as in the new file", () => {
  it("skips deleted and context lines and follows every hunk header", () => {
    const patch = ["@@ -1,3 +1,3 @@", " one", "-two", "+2", " three", "@@ -10,2 +10,3 @@", " ten", "+ten and a half", " eleven", "\\ No newline at end of file"].join("\n");
    expect(addedLines(patch)).toEqual([
      { line: 2, text: "2" },
      { line: 11, text: "ten and a half" },
    ]);
  });
});

describe("secrets: only what the pull request adds", () => {
  it("names the kind and the new-file line of each secret, never the value", async () => {
    const patch = hunk(20, [" region = 'eu-west-1'", `+aws_access_key_id = ${FAKE_AWS_ACCESS_KEY_ID}`, `+aws_secret_access_key = ${FAKE_AWS_SECRET_ACCESS_KEY}`]);
    const hits = await secretsAdded(asListed(file("deploy/credentials", patch)));
    expect(hits).toEqual([
      { filename: "deploy/credentials", line: 21, kind: "AWS Access Key ID" },
      { filename: "deploy/credentials", line: 22, kind: "AWS Secret Access Key" },
    ]);
    const [finding] = await findingsFor(change([file("deploy/credentials", patch)]));
    expect(finding?.detail).toMatch(/^`deploy\/credentials` line 21: AWS Access Key ID; line 22: AWS Secret Access Key\. /);
    expect(finding?.detail).not.toContain(FAKE_AWS_SECRET_ACCESS_KEY);
    expect(finding?.detail).not.toContain(FAKE_AWS_ACCESS_KEY_ID);
  });

  it("a secret the pull request removes, or one it leaves in place, is not flagged", async () => {
    const removed = hunk(1, [`-AWS_SECRET_ACCESS_KEY=${FAKE_AWS_SECRET_ACCESS_KEY}`, "+AWS_SECRET_ACCESS_KEY=${{ secrets.AWS_SECRET_ACCESS_KEY }}"]);
    const unchanged = hunk(1, [` AWS_SECRET_ACCESS_KEY=${FAKE_AWS_SECRET_ACCESS_KEY}`, "+AWS_REGION=eu-west-1"]);
    expect(await rulesFound([file("ci/deploy.env", removed), file("ci/other.env", unchanged)])).toEqual([]);
  });

  it("AWS's documented example key is let through, as secretlint's rule set does", async () => {
    const example = newFilePatch(["AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]);
    expect(await rulesFound([file("docs/example.env", example, "added")])).toEqual([]);
  });

  it("finds other providers' tokens, private keys over several lines, and database URLs with passwords", async () => {
    const token = ["ghp_", "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx"].join("");
    const patch = newFilePatch([`const token = "${token}";`, 'const db = "postgres://app:hunter2hunter2@db.internal:5432/app";']);
    const hits = await secretsAdded(asListed(file("scripts/seed.js", patch, "added")));
    expect(hits.map((hit) => [hit.line, hit.kind])).toEqual([
      [1, "GitHub Token"],
      [2, "PostgreSQL connection string"],
    ]);
    // A real key, made for this test: placeholders are rightly not flagged.
    const pem = await freshPrivateKeyPem();
    const keyPatch = hunk(3, [" # deploy key", ...pem.split("\n").map((line) => `+${line}`)]);
    expect(await secretsAdded(asListed(file("deploy/id_ecdsa", keyPatch)))).toEqual([{ filename: "deploy/id_ecdsa", line: 4, kind: "private key" }]);
  });

  it("a line marked with a secretlint-disable comment is let through (a deliberate fixture)", async () => {
    const marked = newFilePatch([
      "// secretlint-disable-next-line",
      `export const FIXTURE_KEY = "${FAKE_AWS_ACCESS_KEY_ID}";`,
      `export const LEAKED_KEY = "${FAKE_AWS_ACCESS_KEY_ID}";`,
    ]);
    expect(await secretsAdded(asListed(file("test/fixtures/keys.ts", marked, "added")))).toEqual([
      { filename: "test/fixtures/keys.ts", line: 3, kind: "AWS Access Key ID" },
    ]);
  });

  it("a file without a patch (binary, or cut by the tool) has nothing to scan", async () => {
    expect(await secretsAdded({ filename: "secrets.bin", status: "added", additions: 10, deletions: 0 })).toEqual([]);
  });
});

describe("tests missing", () => {
  const source = file("src/app.ts", hunk(1, ["+export const x = 1;"]));
  it("flags changed source when no test changed, and not when one did", async () => {
    expect(await rulesFound([source])).toEqual(["tests-missing"]);
    for (const test of ["src/app.test.ts", "test/app.ts", "pkg/app_test.go", "tests/test_app.py", "src/test/java/AppTest.java", "spec/app_spec.rb"]) {
      expect(await rulesFound([source, file(test, hunk(1, ["+// covered"]))]), test).toEqual([]);
    }
  });

  it("deleting a test does not cover a source change", async () => {
    expect(await rulesFound([source, file("src/app.test.ts", hunk(1, ["-it('works')"]), "removed")])).toEqual(["tests-missing"]);
  });

  it("deleted source, docs, config, type declarations and generated code need no test", async () => {
    const files = [
      file("src/old.ts", hunk(1, ["-export const old = 1;"]), "removed"),
      file("README.md", hunk(1, ["+Usage"])),
      file("tsconfig.json", hunk(1, ['+"strict": true'])),
      file("src/env.d.ts", hunk(1, ["+declare const X: string;"])),
      file("src/api.generated.ts", hunk(1, ["+export {};"])),
    ];
    expect((await rulesFound(files)).filter((rule) => rule === "tests-missing")).toEqual([]);
  });
});

describe("migrations and schema changes", () => {
  it("by where frameworks keep them", async () => {
    for (const path of ["db/migrate/20260101_add_invoices.rb", "migrations/0003_invoices.sql", "app/alembic/versions/ab12_add.py", "prisma/schema.prisma"]) {
      expect(await rulesFound([file(path, hunk(1, ["+change"])), file("test/x.test.ts", hunk(1, ["+t"]))]), path).toEqual(["migration"]);
    }
  });

  it("by the DDL an added line carries: any case in .sql, upper case in code, never in prose", async () => {
    expect(await rulesFound([file("queries/report.sql", hunk(1, ["+alter table invoices add column paid_at timestamptz;"]))])).toEqual(["migration"]);
    expect(await rulesFound([file("queries/report.sql", hunk(1, ["+select * from invoices;"]))])).toEqual([]);
    const store = file("src/store.ts", hunk(5, ['+  sql.exec("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY)");']));
    expect(await rulesFound([store, file("src/store.test.ts", hunk(1, ["+t"]))])).toEqual(["migration"]);
    expect(await rulesFound([file("docs/guide.md", hunk(1, ["+First, CREATE TABLE notes as shown below."]))])).toEqual([]);
    // A DDL statement the pull request deletes is not one it adds.
    expect(await rulesFound([file("queries/old.sql", hunk(1, ["-DROP TABLE invoices;"]))])).toEqual([]);
  });

  it("Durable Object class migrations in wrangler's config", async () => {
    const wrangler = file("wrangler.toml", hunk(20, ["+[[migrations]]", '+tag = "v3"', '+new_sqlite_classes = ["Notes"]']));
    expect(await rulesFound([wrangler])).toEqual(["migration"]);
  });
});

describe("lockfile-only and generated-only", () => {
  it("lockfiles alone, of any ecosystem, are lockfile-only; with a manifest they are not", async () => {
    const lock = (name: string) => file(name, hunk(1, ["-a", "+b"]));
    expect(await rulesFound([lock("yarn.lock"), lock("backend/Cargo.lock"), lock("go.sum")])).toEqual(["lockfile-only"]);
    expect(await rulesFound([lock("package-lock.json"), file("package.json", hunk(3, ['-"undici": "^6.20.0"', '+"undici": "^6.21.0"']))])).toEqual([]);
  });

  it("generated output by name or by its header; lockfiles may come along", async () => {
    const bundle = file("public/app.min.js", hunk(1, ["+!function(){}();"]));
    const client = file("src/client/api.ts", newFilePatch(["// Code generated by openapi-generator. DO NOT EDIT.", "export const api = {};"]), "added");
    const lock = file("pnpm-lock.yaml", hunk(1, ["-a", "+b"]));
    expect(await rulesFound([bundle, client, lock])).toEqual(["generated-only"]);
    // One hand-written file among them, and it is an ordinary change.
    expect(await rulesFound([bundle, file("src/main.ts", hunk(1, ["+run();"])), file("src/main.test.ts", hunk(1, ["+t"]))])).toEqual([]);
  });
});

describe("very large diffs", () => {
  it("from 1,000 lines, or from 100 files", async () => {
    const big = (lines: number): PullRequestChange => ({ files: [], additions: lines, deletions: 0, changedFiles: 3 });
    expect((await findingsFor(big(999))).map((f) => f.rule)).toEqual([]);
    expect((await findingsFor(big(1000))).map((f) => f.rule)).toEqual(["large-diff"]);
    expect((await findingsFor({ files: [], additions: 100, deletions: 0, changedFiles: 100 })).map((f) => f.rule)).toEqual(["large-diff"]);
  });
});

describe("the review comment", () => {
  it("lists each finding under its title, most urgent first, and the titles read back", async () => {
    const files = [...FIXTURE_PULL_REQUESTS.AWS_KEY_PR.files, file("src/deploy.ts", hunk(1, ["+deploy();"]))];
    const findings = await findingsFor(change(files));
    const comment = renderReview({ change: change(files), size: "XS", findings, labelsApplied: ["size/XS"] });
    expect(findingTitles(comment)).toEqual(["Possible secret added", "Source changed without tests"]);
    expect(comment).toMatch(/^\*\*Review:\*\* 2 file\(s\) changed, \+4 −0 \(size XS\)\.\n/);
    expect(comment).toMatch(/\nLabels applied: `size\/XS`$/);
    expect(RULES.map((rule) => rule.title)).toEqual(expect.arrayContaining(findingTitles(comment)));
  });

  it("says when nothing was found, and what it could not read", async () => {
    const files = [file("src/a.ts", hunk(1, ["+a"])), file("src/a.test.ts", hunk(1, ["+t"]))];
    const comment = renderReview({ change: change(files), size: "XS", findings: [], note: "Not the whole diff: 1 patch(es) truncated.", labelsApplied: [] });
    expect(findingTitles(comment)).toEqual([]);
    expect(comment).toContain("No findings: ");
    expect(comment).toContain("_Not the whole diff: 1 patch(es) truncated.");
  });
});

describe("size labels", () => {
  it("Kubernetes' buckets, in the repository's own spelling when it has one", () => {
    expect([9, 10, 29, 30, 99, 100, 499, 500, 999, 1000].map(sizeOf)).toEqual(["XS", "S", "S", "M", "M", "L", "L", "XL", "XL", "XXL"]);
    expect(sizeLabel("L", ["bug", "Size: L", "size: M"])).toBe("Size: L");
    expect(sizeLabel("L", ["bug"])).toBe("size/L");
  });
});

// Keeps the type import honest: the rules read exactly what the files tool returns.
const _typecheck: ChangedFile = asListed(FIXTURE_PULL_REQUESTS.LARGE_PR.files[0]!);
void _typecheck;
