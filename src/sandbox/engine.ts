// The sandbox's engine, loaded on a Worker's first sandbox run (see createSandbox in run.ts).
import { DynamicWorkerExecutor, normalizeCode, type ResolvedProvider } from "@cloudflare/codemode";
import { GUARD_MODULE_NAME, guardModule, type GuardLimits } from "./guard-module.ts";
import { SANDBOX_LIMITS, type SandboxInput, type SandboxVerdict } from "./run.ts";
import { candidatePaths } from "./paths.ts";
import { transform } from "sucrase";
import { instrument } from "./instrument.ts";

/** CPU the platform grants one isolate (enforced in production; workerd ignores it locally). */
const PLATFORM_CPU_MS = 2_000;
/** Output kept in a verdict: what a comment can show. */
const OUTPUT_LINES = 40;
const OUTPUT_CHARS = 4_000;

const SNIPPET = "snippet.js";

export async function run(loader: WorkerLoader, input: SandboxInput, kind: "module" | "program", providers: readonly ResolvedProvider[]): Promise<SandboxVerdict> {
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
  // Every module is loaded under a `.js` name, so workerd reads each as an ES module.
  const keys = new Map(Object.keys(files).filter((path) => /\.(m|c)?(js|ts)$/.test(path)).map((path) => [path, moduleKey(path)]));
  const modules: Record<string, string> = {};
  const code = stripTypes(input.code, input.language === "typescript", "the snippet");
  if (!code.ok) return code;
  if (kind === "program") {
    const instrumented = instrument(normalizeCode(code.source).trim().replace(/;+$/, ""), { path: SNIPPET, files: keys, kind: "program" });
    if (!instrumented.ok) return instrumented;
    return { ok: true, modules, program: instrumented.source };
  }
  const instrumented = instrument(code.source, { path: SNIPPET, files: keys, kind: "snippet" });
  if (!instrumented.ok) return instrumented;
  modules[SNIPPET] = instrumented.source;
  const queue = resolvedImports("", instrumented.imports, keys);
  while (queue.length > 0) {
    const path = queue.shift()!;
    const key = keys.get(path)!;
    if (modules[key] !== undefined) continue;
    const source = stripTypes(files[path]!, /\.(m|c)?ts$/.test(path), path);
    if (!source.ok) return source;
    const file = instrument(asModule(source.source), { path: key, files: keys, kind: "module" });
    if (!file.ok) return file;
    modules[key] = file.source;
    queue.push(...resolvedImports(path, file.imports, keys));
  }
  return { ok: true, modules, program: "" };
}

function moduleKey(path: string): string {
  return path.endsWith(".js") ? path : `${path}.js`;
}

/** TypeScript without its types (sucrase keeps every line where it was); JavaScript as it is. */
function stripTypes(source: string, typescript: boolean, what: string): { ok: true; source: string } | { ok: false; reason: string } {
  if (!typescript) return { ok: true, source };
  try {
    return { ok: true, source: transform(source, { transforms: ["typescript"], disableESTransforms: true, keepUnusedImports: true }).code };
  } catch (error) {
    return { ok: false, reason: `${what} is not valid TypeScript: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** The workspace paths that the relative imports of `from` (a workspace path; "" for the snippet) name. */
function resolvedImports(from: string, specifiers: readonly string[], keys: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  for (const specifier of specifiers) {
    if (!/^\.{0,2}\//.test(specifier)) continue;
    const base = specifier.startsWith("/") ? [] : from.split("/").slice(0, -1);
    for (const segment of specifier.split("/")) {
      if (segment === "" || segment === ".") continue;
      if (segment === "..") base.pop();
      else base.push(segment);
    }
    const hit = candidatePaths(base.join("/")).find((candidate) => keys.has(candidate));
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
        .replace(SNIPPET, "snippet")
        .replace(/\.(m|c)?ts\.js:/, ".$1ts:"),
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
