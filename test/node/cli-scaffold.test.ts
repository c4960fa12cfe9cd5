import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../dev/workerd.ts";
import { removeEnvFiles, switchboard } from "../support/cli.ts";

/**
 * `switchboard add agent` and `add channel` write into the project, so they run in a copy of it
 * (node_modules linked, not copied): what they write must typecheck and its tests must run there
 * unchanged, with the project's own tsc and vitest.
 */
let copy: string;

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), "switchboard-scaffold-"));
  const skipped = new Set(["node_modules", ".git", ".wrangler", "test-output"]);
  cpSync(ROOT, copy, { recursive: true, filter: (source) => !skipped.has(relative(ROOT, source).split("/")[0]!) });
  symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"), "dir");
});

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
  removeEnvFiles();
});

const inCopy = (args: string[]) => switchboard(args, { cwd: copy, main: join(copy, "cli/main.ts") });

/** The copy's own tools, as `npx tsc` and `npx vitest` run them; a clean environment, not this vitest's. */
function tool(script: string, args: string[]): Promise<{ code: number; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", CI: "1" };
  for (const name of Object.keys(env)) if (/^(VITEST|TEST$|NODE_OPTIONS$)/.test(name)) delete env[name];
  return new Promise((resolve) => {
    execFile(process.execPath, [join(copy, "node_modules", script), ...args], { cwd: copy, env, timeout: 400_000, maxBuffer: 64 << 20, encoding: "utf8" }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, output: `${stdout}\n${stderr}`.replace(/\x1b\[[0-9;]*m/g, "") });
    });
  });
}

/**
 * The project's `tsc --noEmit`, and what it says about these files: other files are other
 * people's (the copy is of a working tree), these must have no error at all.
 */
async function typecheck(files: string[]): Promise<{ errors: string[]; checked: boolean }> {
  const listed = await tool("typescript/bin/tsc", ["-p", "tsconfig.json", "--listFilesOnly"]);
  const checked = files.every((file) => listed.output.includes(join(copy, file)));
  const run = await tool("typescript/bin/tsc", ["-p", "tsconfig.json"]);
  return { checked, errors: run.output.split("\n").filter((line) => files.some((file) => line.startsWith(file))) };
}

const vitest = (args: string[]) => tool("vitest/vitest.mjs", ["run", ...args]);

describe("switchboard add agent", () => {
  it("writes an agent whose code typechecks and whose generated test passes unchanged, and prints its routing rule", async () => {
    const run = await inCopy(["add", "agent", "help-desk"]);
    expect(run.code, run.output).toBe(0);
    const files = ["agents/help-desk/instructions.md", "agents/help-desk/index.ts", "test/agents/help-desk.test.ts"];
    for (const file of files) {
      expect(run.stdout).toContain(`Created ${file}`);
      expect(existsSync(join(copy, file))).toBe(true);
    }
    expect(run.stdout).toContain('import { helpDesk } from "./help-desk/index.ts";');
    expect(run.stdout).toMatch(/export const agents = \[helpDesk, \w+/);
    expect(run.stdout).toContain('{ agent: helpDesk, channel: "slack", when: (event) => /^help-desk\\b/i.test(event.text) },');

    expect(await typecheck(["agents/help-desk/index.ts", "test/agents/help-desk.test.ts"])).toEqual({ checked: true, errors: [] });

    const tested = await vitest(["--project", "workers", "test/agents/help-desk.test.ts"]);
    expect(tested.code, tested.output.slice(-4000)).toBe(0);
    expect(tested.output).toMatch(/Tests\s+1 passed \(1\)/);
  }, 420_000);

  it("refuses a name defineAgent would refuse, and an agent that exists, writing nothing", async () => {
    const invalid = await inCopy(["add", "agent", "Help Desk"]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('agent "Help Desk": the name must be lower-case letters, digits and -, starting with a letter');
    expect(existsSync(join(copy, "agents/Help Desk"))).toBe(false);

    const twice = await inCopy(["add", "agent", "triage"]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain("agents/triage/ already exists");
  });
});

describe("switchboard add channel", () => {
  it("writes a channel that typechecks, a blueprint of every step, and a contract test that lists what is left", async () => {
    const run = await inCopy(["add", "channel", "matrix"]);
    expect(run.code, run.output).toBe(0);
    const code = ["config.ts", "target.ts", "verify.ts", "normalize.ts", "outbound.ts", "index.ts"].map((file) => `channels/matrix/${file}`);
    for (const file of [...code, "channels/matrix/README.md", "channels/matrix/BLUEPRINT.md", "test/contract/matrix.ts", "test/contract/matrix.test.ts"]) {
      expect(run.stdout).toContain(`Created ${file}`);
    }
    const blueprint = readFileSync(join(copy, "channels/matrix/BLUEPRINT.md"), "utf8");
    for (const step of ["## 2. `verify.ts`: the signature scheme", "events to subscribe to", "## 6. The registry line", "## 7. The emulator", "## 8. The contract adapter"]) {
      expect(blueprint).toContain(step);
    }

    expect(await typecheck([...code, "test/contract/matrix.ts", "test/contract/matrix.test.ts"])).toEqual({ checked: true, errors: [] });

    const contract = await vitest(["--project", "workers", "test/contract/matrix.test.ts"]);
    expect(contract.code).toBe(1);
    for (const left of [
      "channels/matrix/verify.ts verifyMatrixSignature",
      "channels/matrix/normalize.ts interpretMatrix",
      "channels/matrix/outbound.ts reply",
      "test/contract/matrix.ts sign",
      "channels/index.ts: matrix is not in the registry (BLUEPRINT.md step 6)",
      "dev/emulator/matrix.ts: the emulator does not serve matrix (BLUEPRINT.md step 7)",
      "test/contract/contract.ts: DOCUMENTED_KEY has no format for matrix keys",
    ]) {
      expect(contract.output).toContain(left);
    }

    // The list is read from the code: a step done leaves it.
    const registry = join(copy, "channels/index.ts");
    writeFileSync(registry, readFileSync(registry, "utf8").replace(/^(export const channels[^=]*= \[)/m, 'import { matrix } from "./matrix/index.ts";\n$1matrix, '));
    const after = await vitest(["--project", "workers", "test/contract/matrix.test.ts", "-t", "nothing left"]);
    expect(after.output).not.toContain("matrix is not in the registry");
    expect(after.output).toContain("channels/matrix/verify.ts verifyMatrixSignature");
  }, 420_000);

  it("refuses a channel that exists", async () => {
    const run = await inCopy(["add", "channel", "slack"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("slack is already a channel");
  });
});
