// Runs the `switchboard` CLI as an operator does: its own process, its own Node 22, stdout and
// stderr read back. Every run is checked for the secret values it was given: none may be printed.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { envFileContents, ROOT } from "../../dev/workerd.ts";

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Both, without colour codes. */
  readonly output: string;
}

const files = new Map<string, Record<string, string>>();
const folder = mkdtempSync(join(tmpdir(), "switchboard-cli-"));

/** Removes the files `envFile` wrote (they hold dev secrets): call it in the test file's afterAll. */
export function removeEnvFiles(): void {
  rmSync(folder, { recursive: true, force: true });
  files.clear();
}

/** A dotenv file holding `vars`, for `--env-file`; the values are remembered to check outputs for them. */
export function envFile(vars: Record<string, string>): string {
  const path = join(folder, `vars-${files.size}.env`);
  writeFileSync(path, envFileContents(vars), { mode: 0o600 });
  files.set(path, vars);
  return path;
}

/** Names of variables whose values must never be printed. */
const SECRET = /SECRET|TOKEN|PRIVATE_KEY|API_KEY/;

/**
 * `node cli/main.ts …args` with `cwd` (default: the project). Asynchronous on purpose: the
 * emulator a test talks to runs in this process and must keep answering meanwhile.
 */
export async function switchboard(args: readonly string[], options: { cwd?: string; env?: Record<string, string | undefined>; main?: string } = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...options.env };
  // What an operator's shell might hold must not leak into a test of what a file says.
  for (const name of ["ADMIN_TOKEN", "VITEST", "VITEST_POOL_ID", "VITEST_WORKER_ID", "NODE_OPTIONS"]) if (!(options.env && name in options.env)) delete env[name];
  const run = await new Promise<CliRun>((resolve) => {
    execFile(process.execPath, [options.main ?? join(ROOT, "cli/main.ts"), ...args], { cwd: options.cwd ?? ROOT, env, timeout: 300_000, maxBuffer: 16 << 20, encoding: "utf8" }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr, output: `${stdout}\n${stderr}`.replace(/\x1b\[[0-9;]*m/g, "") });
    });
  });
  const fileIndex = args.indexOf("--env-file");
  const given = { ...(fileIndex >= 0 ? files.get(args[fileIndex + 1]!) : {}), ...(options.env ?? {}) };
  for (const [name, value] of Object.entries(given)) {
    if (SECRET.test(name) && value && value.length >= 8) expect(run.output, `${name}'s value was printed`).not.toContain(value);
  }
  return run;
}
