// The sandbox section of `npm run bench` (BENCH_ONLY=sandbox): a snippet run through the real
// executor (a fresh Dynamic Worker isolate behind the guard) against the ceiling in the same run,
// and the memory a conversation's workspace of 50 files adds to workerd.
import { startWorker } from "../dev/workerd.ts";
import { BENCH_ENTRY, processesInGroup, residentBytes } from "./processes.ts";
import { SANDBOX_SNIPPETS } from "./sandbox-snippets.ts";

/** Rounds over the 20 snippets (after one to warm up): 200 runs. */
const ROUNDS = Number(process.env.BENCH_SANDBOX_ROUNDS ?? 10);
/** Conversations per memory step: one step without a workspace, one with 50 files each. */
const MEMORY_CONVERSATIONS = Number(process.env.BENCH_WORKSPACE_CONVERSATIONS ?? 200);
const WORKSPACE_FILES = 50;

type RunningWorker = Awaited<ReturnType<typeof startWorker>>;

export interface SandboxBench {
  readonly runs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly ceilingP50Ms: number;
  readonly ceilingP99Ms: number;
  readonly verdicts: Record<string, number>;
  readonly workspace: { conversations: number; files: number; fileBytes: number; rssWithoutBytes: number; rssWithBytes: number; extraPerConversationBytes: number };
}

const percentile = (sorted: readonly number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : Number.NaN);

async function post(worker: RunningWorker, path: string, body: unknown) {
  const started = performance.now();
  const response = await fetch(`${worker.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const value = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(value).slice(0, 200)}`);
  return { ms: performance.now() - started, value };
}

export async function benchSandbox(options: { vars: Record<string, string>; tempDir: (name: string) => string; log: (line: string) => void }): Promise<SandboxBench> {
  const runs = await benchRuns(options);
  // Each variant in a fresh workerd, so objects woken earlier (and their eviction) do not blur it.
  const bare = await workspaceMemory(options, 0);
  const withFiles = await workspaceMemory(options, WORKSPACE_FILES);
  const extra = (withFiles.rssBytes - bare.rssBytes) / MEMORY_CONVERSATIONS;
  options.log(
    `  ${MEMORY_CONVERSATIONS} conversations: +${(bare.rssBytes / 1024 / 1024).toFixed(1)} MiB without a workspace, +${(withFiles.rssBytes / 1024 / 1024).toFixed(1)} MiB with ${WORKSPACE_FILES} files ` +
      `(${(withFiles.fileBytes / 1024).toFixed(0)} KiB) each: ${(extra / 1024).toFixed(1)} KiB more per conversation (target ≤ 200 KiB)`,
  );
  return {
    ...runs,
    workspace: { conversations: MEMORY_CONVERSATIONS, files: WORKSPACE_FILES, fileBytes: withFiles.fileBytes, rssWithoutBytes: bare.rssBytes, rssWithBytes: withFiles.rssBytes, extraPerConversationBytes: extra },
  };
}

/** Sandbox runs of the 20 snippets, alternating with the ceiling. */
async function benchRuns(options: { vars: Record<string, string>; tempDir: (name: string) => string; log: (line: string) => void }) {
  const worker = await startWorker({ vars: options.vars, persistTo: options.tempDir("sandbox"), entry: BENCH_ENTRY });
  try {
    // Runs and the ceiling alternate, so both see the same machine at the same moment.
    for (const code of SANDBOX_SNIPPETS) await post(worker, "/bench/sandbox", { code });
    const runs: number[] = [];
    const ceiling: number[] = [];
    const verdicts: Record<string, number> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const code of SANDBOX_SNIPPETS) {
        ceiling.push((await post(worker, "/bench/ceiling", {})).ms);
        const { ms, value } = await post(worker, "/bench/sandbox", { code });
        runs.push(ms);
        const verdict = String(value.verdict);
        verdicts[verdict] = (verdicts[verdict] ?? 0) + 1;
      }
    }
    runs.sort((a, b) => a - b);
    ceiling.sort((a, b) => a - b);
    options.log(
      `  ${runs.length} runs of ${SANDBOX_SNIPPETS.length} snippets: p50 ${percentile(runs, 0.5).toFixed(1)} ms, p99 ${percentile(runs, 0.99).toFixed(1)} ms ` +
        `(ceiling p50 ${percentile(ceiling, 0.5).toFixed(1)} ms, p99 ${percentile(ceiling, 0.99).toFixed(1)} ms; targets p50 ≤ 50 ms, p99 ≤ 250 ms)   ` +
        Object.entries(verdicts).map(([verdict, count]) => `${verdict} ${count}`).join(", "),
    );

    return { runs: runs.length, p50Ms: percentile(runs, 0.5), p99Ms: percentile(runs, 0.99), ceilingP50Ms: percentile(ceiling, 0.5), ceilingP99Ms: percentile(ceiling, 0.99), verdicts };
  } finally {
    worker.kill("SIGKILL");
    await worker.exited;
  }
}

/** workerd's resident memory after waking MEMORY_CONVERSATIONS conversations, each given `files` files, over its idle after a warm-up. */
async function workspaceMemory(options: { vars: Record<string, string>; tempDir: (name: string) => string }, files: number): Promise<{ rssBytes: number; fileBytes: number }> {
  const worker = await startWorker({ vars: options.vars, persistTo: options.tempDir(`workspace-${files}`), entry: BENCH_ENTRY });
  try {
    const rss = () => Math.max(...processesInGroup(worker.process.pid!, "workerd").map(residentBytes));
    const settle = () => new Promise((resolve) => setTimeout(resolve, 2000));
    for (let i = 0; i < 5; i++) await post(worker, "/bench/workspace", { key: `github:bench/warm-${i}#1`, files });
    await settle();
    const idle = rss();
    let fileBytes = 0;
    for (let i = 0; i < MEMORY_CONVERSATIONS; i++) fileBytes = Number((await post(worker, "/bench/workspace", { key: `github:bench/memory-${i}#1`, files })).value.bytes);
    await settle();
    return { rssBytes: rss() - idle, fileBytes };
  } finally {
    worker.kill("SIGKILL");
    await worker.exited;
  }
}
