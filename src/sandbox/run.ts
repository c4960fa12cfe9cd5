import { DynamicWorkerExecutor, normalizeCode, type ResolvedProvider } from "@cloudflare/codemode";
import { GUARD_MODULE_NAME, guardModule, type GuardLimits } from "./guard-module.ts";
import { instrument } from "./instrument.ts";

/**
 * What a sandbox run found, in the words a triage comment uses:
 * - `reproduced`: it threw (the error and the top of its stack), or an assertion failed;
 * - `did_not_reproduce`: it ran cleanly, with its output;
 * - `could_not_run`: why not (it needs the network, a module the sandbox does not have, it ran
 *   too long or allocated too much, it is not valid JavaScript).
 */
export type SandboxVerdict =
  | {
      readonly verdict: "reproduced";
      readonly error: { readonly name: string; readonly message: string };
      /** The top frames in the snippet and the repository's files, `at fn (src/dates.js:3)`. */
      readonly stack: readonly string[];
      readonly assertion: boolean;
      readonly output: readonly string[];
      readonly ms: number;
    }
  | { readonly verdict: "did_not_reproduce"; readonly output: readonly string[]; readonly value?: string; readonly ms: number }
  | { readonly verdict: "could_not_run"; readonly reason: string; readonly output: readonly string[]; readonly ms: number };

/** The caps of one run. Locally nothing else stops a runaway snippet; in production the platform also does. */
export const SANDBOX_LIMITS: GuardLimits = {
  ms: 1_000,
  steps: 10_000_000,
  stringChars: 16_000_000,
  arrayElements: 8_000_000,
  totalElements: 32_000_000,
  totalChars: 64_000_000,
  bytes: 64 * 1024 * 1024,
  logLines: 200,
  hostNames: [],
};

/** CPU the platform grants one isolate (enforced in production; workerd ignores it locally). */
const PLATFORM_CPU_MS = 2_000;
/** Output kept in a verdict: what a comment can show. */
const OUTPUT_LINES = 40;
const OUTPUT_CHARS = 4_000;

export interface SandboxInput {
  /** JavaScript: a module (a snippet, with imports) or, for the code tool, a program (an async arrow). */
  readonly code: string;
  /** Files the code may import, by path (`src/dates.js`): the workspace's, loaded from the repository. */
  readonly files?: Readonly<Record<string, string>>;
  /** Names of the host's variables and bindings, refused by name if the code reads them (never values). */
  readonly hostNames?: readonly string[];
  readonly limits?: Partial<GuardLimits>;
}

export interface Sandbox {
  /** Runs a snippet as a module in a fresh isolate and says what it found. */
  runSnippet(input: SandboxInput): Promise<SandboxVerdict>;
  /** Runs a code tool program (an async arrow) with tool providers; its returned value is the result. */
  runProgram(input: SandboxInput, providers: readonly ResolvedProvider[]): Promise<SandboxVerdict>;
}

const SNIPPET = "snippet.js";

/**
 * The sandbox over a `worker_loaders` binding: @cloudflare/codemode's DynamicWorkerExecutor loads
 * each run into a fresh isolate with no network (`globalOutbound: null`), no bindings and no
 * secrets, the guarded code as its modules, and the platform's CPU limit asked for.
 */
export function createSandbox(loader: WorkerLoader): Sandbox {
  return {
    runSnippet: (input) => run(loader, input, "module", []),
    runProgram: (input, providers) => run(loader, input, "program", providers),
  };
}

async function run(loader: WorkerLoader, input: SandboxInput, kind: "module" | "program", providers: readonly ResolvedProvider[]): Promise<SandboxVerdict> {
  const started = Date.now();
  const limits: GuardLimits = { ...SANDBOX_LIMITS, ...input.limits, hostNames: (input.hostNames ?? []).filter((name) => /^[A-Za-z_$][\w$]*$/.test(name)) };
  const couldNotRun = (reason: string, output: readonly string[] = []): SandboxVerdict => ({ verdict: "could_not_run", reason, output, ms: Date.now() - started });
  const prepared = prepare(input, kind);
  if (!prepared.ok) return couldNotRun(prepared.reason);
  const executor = new DynamicWorkerExecutor({
    loader: withPlatformLimits(loader),
    // The in-isolate guard stops running code; this stops code that waits on nothing forever.
    timeout: limits.ms + 2_000,
    globalOutbound: null,
    modules: { ...prepared.modules, [GUARD_MODULE_NAME]: guardModule(limits) },
  });
  const entry =
    kind === "module"
      ? `async () => (await import("./${GUARD_MODULE_NAME}")).run(async () => (await import("./${SNIPPET}")).default())`
      : `async () => (await import("./${GUARD_MODULE_NAME}")).run(() => (${prepared.program})())`;
  let outcome: Awaited<ReturnType<DynamicWorkerExecutor["execute"]>>;
  try {
    outcome = await executor.execute(entry, [...providers]);
  } catch (error) {
    return couldNotRun(`the sandbox stopped it: ${error instanceof Error ? error.message : String(error)}`);
  }
  const logs = outcome.logs ?? [];
  const report = outcome.result as GuardReport | undefined;
  if (outcome.error || !report) return couldNotRun(`the sandbox stopped it: ${outcome.error ?? "it returned nothing"}`, capOutput(logs, 0));
  const output = capOutput(logs, report.dropped);
  const ms = Date.now() - started;
  if (report.stop) return { verdict: "could_not_run", reason: report.stop.reason, output, ms };
  if (report.error) {
    return {
      verdict: "reproduced",
      error: { name: report.error.name, message: report.error.message },
      stack: topFrames(report.error.stack),
      assertion: report.error.name === "AssertionError" || report.error.name.startsWith("AssertionError"),
      output,
      ms,
    };
  }
  if (report.assertions.length > 0) {
    return { verdict: "reproduced", error: { name: "AssertionError", message: report.assertions[0]! }, stack: [], assertion: true, output, ms };
  }
  return { verdict: "did_not_reproduce", output, ...(report.value !== undefined ? { value: report.value } : {}), ms };
}

/** What `run()` in the guard module returns from inside the isolate. */
interface GuardReport {
  readonly stop: { kind: string; reason: string } | null;
  readonly error: { name: string; message: string; stack: string } | null;
  readonly value?: string;
  readonly assertions: readonly string[];
  readonly dropped: number;
}

type Prepared =
  | { ok: true; modules: Record<string, string>; program: string }
  | { ok: false; reason: string };

/**
 * Instruments the code and every file it imports, transitively: only those become modules, so a
 * file elsewhere in the workspace that the sandbox would refuse does not stop the run.
 */
function prepare(input: SandboxInput, kind: "module" | "program"): Prepared {
  const files = input.files ?? {};
  const paths = new Set(Object.keys(files).filter((path) => /\.(m|c)?js$/.test(path)));
  const modules: Record<string, string> = {};
  let program = "";
  if (kind === "program") {
    const instrumented = instrument(normalizeCode(input.code).trim().replace(/;+$/, ""), { path: SNIPPET, files: paths, kind: "program" });
    if (!instrumented.ok) return instrumented;
    program = instrumented.source;
  } else {
    const instrumented = instrument(input.code, { path: SNIPPET, files: paths, kind: "snippet" });
    if (!instrumented.ok) return instrumented;
    modules[SNIPPET] = instrumented.source;
    const queue = resolvedImports(SNIPPET, instrumented.imports, paths);
    while (queue.length > 0) {
      const path = queue.shift()!;
      if (modules[path] !== undefined) continue;
      const source = asModule(files[path]!);
      const file = instrument(source, { path, files: paths, kind: "module" });
      if (!file.ok) return file;
      modules[path] = file.source;
      queue.push(...resolvedImports(path, file.imports, paths));
    }
  }
  return { ok: true, modules, program };
}

/** The workspace paths that `from`'s relative imports name. */
function resolvedImports(from: string, specifiers: readonly string[], paths: ReadonlySet<string>): string[] {
  const found: string[] = [];
  for (const specifier of specifiers) {
    if (!/^\.{0,2}\//.test(specifier)) continue;
    const base = specifier.startsWith("/") ? [] : from.split("/").slice(0, -1);
    for (const segment of specifier.split("/")) {
      if (segment === "" || segment === ".") continue;
      if (segment === "..") base.pop();
      else base.push(segment);
    }
    const resolved = base.join("/");
    const hit = [resolved, `${resolved}.js`, `${resolved}.mjs`, `${resolved}.cjs`, `${resolved}/index.js`].find((candidate) => paths.has(candidate));
    if (hit) found.push(hit);
  }
  return found;
}

/**
 * A CommonJS file as an ES module: `module.exports` becomes its default export (and `require`
 * becomes an import, in instrument()). The preamble shares line 1, so line numbers stay.
 */
function asModule(source: string): string {
  const commonJs = /\bmodule\.exports\b|\bexports\.\w+\s*=/.test(source) && !/^\s*(import|export)\s/m.test(source);
  return commonJs ? `const module = { exports: {} }; let exports = module.exports; ${source}\nexport default module.exports;` : source;
}

/** The loader, asking the platform for its CPU limit on every isolate (workerd ignores it locally). */
function withPlatformLimits(loader: WorkerLoader): WorkerLoader {
  const limited = (code: WorkerLoaderWorkerCode): WorkerLoaderWorkerCode => ({ ...code, limits: { ...code.limits, cpuMs: PLATFORM_CPU_MS } });
  return {
    load: (code) => loader.load(limited(code)),
    get: (name, getCode) => loader.get(name, async () => limited(await getCode())),
  };
}

/** Frames in the code that ran (the snippet, the repository's files), without the guard's, line numbers only. */
function topFrames(stack: string): string[] {
  return stack
    .split("\n")
    .filter((line) => /^\s+at /.test(line) && !line.includes(GUARD_MODULE_NAME) && !line.includes("node-internal:") && !line.includes("executor.js"))
    .map((line) =>
      line
        .trim()
        .replace(/:(\d+):\d+(\)?)$/, ":$1$2")
        .replace(/^at Module\.__sbSnippet \((.*)\)$/, "at $1")
        .replace(SNIPPET, "snippet"),
    )
    .slice(0, 3);
}

function capOutput(logs: readonly string[], dropped: number): string[] {
  const out: string[] = [];
  let chars = 0;
  for (const line of logs) {
    if (out.length >= OUTPUT_LINES || chars >= OUTPUT_CHARS) break;
    const kept = line.slice(0, OUTPUT_CHARS - chars);
    out.push(kept);
    chars += kept.length;
  }
  const more = logs.length - out.length + dropped;
  if (more > 0) out.push(`… ${more} more line${more === 1 ? "" : "s"}`);
  return out;
}
