import type { ResolvedProvider } from "@cloudflare/codemode";
import type { GuardLimits } from "./guard-module.ts";

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

export interface SandboxInput {
  /** JavaScript: a module (a snippet, with imports) or, for the code tool, a program (an async arrow). */
  readonly code: string;
  /** TypeScript has its types stripped first (line numbers stay). */
  readonly language?: "javascript" | "typescript";
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

/**
 * The sandbox over a `worker_loaders` binding: @cloudflare/codemode's DynamicWorkerExecutor loads
 * each run into a fresh isolate with no network (`globalOutbound: null`), no bindings and no
 * secrets, the guarded code as its modules, and the platform's CPU limit asked for. The engine
 * (the parser, the executor, the TypeScript stripper) loads on the first run, so a Worker whose
 * agents never run code does not carry it at startup.
 */
export function createSandbox(loader: WorkerLoader): Sandbox {
  const engine = () => import("./engine.ts");
  return {
    runSnippet: async (input) => (await engine()).run(loader, input, "module", []),
    runProgram: async (input, providers) => (await engine()).run(loader, input, "program", providers),
  };
}
