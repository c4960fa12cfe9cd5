// The sandbox section of `npm run bench` (BENCH_ONLY=sandbox): a snippet run through the real
// executor (a fresh Dynamic Worker isolate behind the guard) against the ceiling in the same run,
// and the memory a conversation's workspace of 50 files adds to workerd.
import { readFileSync } from "node:fs";
import { startWorker } from "../dev/workerd.ts";
import { inspect } from "./inspector.ts";
import { BENCH_ENTRY, processesInGroup, residentBytes } from "./processes.ts";
import { SANDBOX_SNIPPETS } from "./sandbox-snippets.ts";


/** Rounds over the 20 snippets (after one to warm up): 200 runs. */
const ROUNDS = Number(process.env.BENCH_SANDBOX_ROUNDS ?? 10);
/** Conversations per memory variant: one variant without a workspace, one with 50 files each. */
const MEMORY_CONVERSATIONS = Number(process.env.BENCH_WORKSPACE_CONVERSATIONS ?? 400);
/** Alternating rounds (bare, then with files), each variant in its own fresh workerd: the median is reported. */
const MEMORY_ROUNDS = Number(process.env.BENCH_WORKSPACE_ROUNDS ?? 3);
/** Files per conversation in the variant with a workspace (BENCH_WORKSPACE_FILES=1 isolates what the workspace costs before its content). */
const WORKSPACE_FILES = Number(process.env.BENCH_WORKSPACE_FILES ?? 50);
/**
 * Temporary (issue 20): how the workspace variant's files are written (bench/worker.ts): `workspace`
 * (the default: the conversation's store, ConversationFiles), `plain1`, `plain1reads`, `plain9`, `shape`; a comma list measures
 * each in turn within every round and reports each, the first as the section's result.
 */
const WORKSPACE_VARIANTS = (process.env.BENCH_WORKSPACE_VARIANT ?? "workspace").split(",").map((v) => v.trim()).filter(Boolean);
/** workerd evicts a Durable Object 10 s after its last request: each conversation is touched well within that. */
const TOUCH_AFTER_MS = 4000;

type RunningWorker = Awaited<ReturnType<typeof startWorker>>;

export interface SandboxBench {
  readonly runs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly ceilingP50Ms: number;
  readonly ceilingP99Ms: number;
  readonly verdicts: Record<string, number>;
  readonly workspace: {
    conversations: number;
    rounds: number;
    files: number;
    fileBytes: number;
    /** VmRSS growth over the idle Worker (median of the rounds), without and with the files. */
    rssWithoutBytes: number;
    rssWithBytes: number;
    /** Native plus live JS: what a live conversation with the workspace holds over one without (median variants). */
    extraPerConversationBytes: number;
    extraNativePerConversationBytes: number;
    extraLiveJsPerConversationBytes: number;
    /** Of the native part, what is mapped files and shared memory (RssFile + RssShmem) rather than anonymous memory. */
    extraMappedPerConversationBytes: number;
    /** The raw VmRSS difference, uncollected JS garbage included (the earlier measure). */
    extraRssPerConversationBytes: number;
    /** extraPerConversationBytes of each round (its bare and its with-files variant). */
    extraPerConversationRoundsBytes: number[];
    /** Temporary (issue 20), with BENCH_WORKSPACE_VARIANT: each variant's median and rounds; the fields above are the first variant's. */
    variants?: Record<string, { extraPerConversationBytes: number; extraPerConversationRoundsBytes: number[] }>;
  };
}

const percentile = (sorted: readonly number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : Number.NaN);
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

async function post(worker: RunningWorker, path: string, body: unknown) {
  const started = performance.now();
  const response = await fetch(`${worker.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const value = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(value).slice(0, 200)}`);
  return { ms: performance.now() - started, value };
}

export async function benchSandbox(options: { vars: Record<string, string>; tempDir: (name: string) => string; log: (line: string) => void }): Promise<SandboxBench> {
  const runs = await benchRuns(options);
  // Per round: one fresh workerd wakes the conversations bare, samples, then gives the same
  // conversations their files and samples again (paired, so the spread between processes in what a
  // bare conversation costs does not land in the difference); a second fresh workerd wakes them
  // bare only, for the live JS heap after a full collection to compare with the first's.
  const roundsOf = new Map<string, Extra[]>(WORKSPACE_VARIANTS.map((v) => [v, []]));
  let fileBytes = 0;
  for (let round = 0; round < MEMORY_ROUNDS; round++) {
    for (const variant of WORKSPACE_VARIANTS) {
      const rounds = roundsOf.get(variant)!;
      const paired = await workspaceMemory(options, true, variant);
      const bareOnly = await workspaceMemory(options, false, variant);
      fileBytes = paired.fileBytes;
      const extra = {
        bare: paired.bare,
        withFiles: paired.withFiles!,
        native: (paired.withFiles!.native - paired.bare.native) / MEMORY_CONVERSATIONS,
        liveJs: (paired.liveJsBytes - bareOnly.liveJsBytes) / MEMORY_CONVERSATIONS,
        rss: (paired.withFiles!.rss - paired.bare.rss) / MEMORY_CONVERSATIONS,
        mapped: (paired.withFiles!.mapped - paired.bare.mapped) / MEMORY_CONVERSATIONS,
      };
      rounds.push(extra);
      options.log(
        `    ${WORKSPACE_VARIANTS.length > 1 ? `[${variant}] ` : ""}round ${round + 1}: bare ${kib(extra.bare.rss / MEMORY_CONVERSATIONS)}, with files ${kib(extra.withFiles.rss / MEMORY_CONVERSATIONS)} of VmRSS per conversation; ` +
          `${kib(extra.native + extra.liveJs)} more (native ${kib(extra.native)}, of it mapped files ${kib(extra.mapped)}; live JS ${kib(extra.liveJs)}); raw VmRSS difference ${kib(extra.rss)}`,
      );
    }
  }
  const total = (extra: Extra) => extra.native + extra.liveJs;
  const midOf = (rounds: Extra[]) => [...rounds].sort((x, y) => total(x) - total(y))[Math.floor(rounds.length / 2)]!;
  for (const [variant, rounds] of WORKSPACE_VARIANTS.length > 1 ? roundsOf : []) {
    const mid = midOf(rounds);
    options.log(
      `  [${variant}] ${kib(total(mid))} more per conversation, median of ${rounds.length} rounds (native ${kib(mid.native)}, of it mapped files ${kib(mid.mapped)}; live JS ${kib(mid.liveJs)}; ` +
        `rounds ${rounds.map((r) => kib(total(r))).join(", ")}); bare ${kib(mid.bare.rss / MEMORY_CONVERSATIONS)} of VmRSS per conversation`,
    );
  }
  const rounds = roundsOf.get(WORKSPACE_VARIANTS[0]!)!;
  const mid = midOf(rounds);
  options.log(
    `  ${WORKSPACE_VARIANTS.length > 1 ? `[${WORKSPACE_VARIANTS[0]}] ` : ""}${MEMORY_CONVERSATIONS} live conversations, median of ${MEMORY_ROUNDS} rounds: VmRSS ${kib(mid.bare.rss / MEMORY_CONVERSATIONS)} each without a workspace, ` +
      `${kib(mid.withFiles.rss / MEMORY_CONVERSATIONS)} with ${WORKSPACE_FILES} files (${(fileBytes / 1024).toFixed(0)} KiB): ${kib(total(mid))} more per conversation ` +
      `(native ${kib(mid.native)}, of it mapped files ${kib(mid.mapped)}; live JS ${kib(mid.liveJs)}; rounds ${rounds.map((r) => kib(total(r))).join(", ")}; target ≤ 200 KiB); raw VmRSS difference ${kib(mid.rss)}`,
  );
  return {
    ...runs,
    workspace: {
      conversations: MEMORY_CONVERSATIONS,
      rounds: MEMORY_ROUNDS,
      files: WORKSPACE_FILES,
      fileBytes,
      rssWithoutBytes: mid.bare.rss,
      rssWithBytes: mid.withFiles.rss,
      extraPerConversationBytes: total(mid),
      extraNativePerConversationBytes: mid.native,
      extraLiveJsPerConversationBytes: mid.liveJs,
      extraMappedPerConversationBytes: mid.mapped,
      extraRssPerConversationBytes: mid.rss,
      extraPerConversationRoundsBytes: rounds.map(total),
      ...(WORKSPACE_VARIANTS.length > 1 || WORKSPACE_VARIANTS[0] !== "workspace"
        ? { variants: Object.fromEntries([...roundsOf].map(([variant, r]) => [variant, { extraPerConversationBytes: total(midOf(r)), extraPerConversationRoundsBytes: r.map(total) }])) }
        : {}),
    },
  };
}

interface Extra {
  readonly bare: Sample;
  readonly withFiles: Sample;
  /** Per conversation. */
  readonly native: number;
  readonly liveJs: number;
  readonly rss: number;
  readonly mapped: number;
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

/**
 * Growth over the idle Worker: VmRSS; the same outside V8's heap (VmRSS minus the heap's committed
 * size: SQLite, workerd's own objects, malloc); and the part of VmRSS that is mapped files and
 * shared memory (RssFile + RssShmem: SQLite's WAL index, for one), the rest being anonymous memory.
 */
interface Sample {
  readonly rss: number;
  readonly native: number;
  readonly mapped: number;
}

/** RssFile + RssShmem of a process in bytes (Linux). */
function mappedBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, "m").exec(status)?.[1] ?? Number.NaN) * 1024;
    return field("RssFile") + field("RssShmem");
  } catch {
    return Number.NaN;
  }
}

/**
 * MEMORY_CONVERSATIONS live conversations in a fresh workerd, over its idle after a warm-up: woken
 * bare, then (withFiles) given WORKSPACE_FILES files each. Every conversation stays live (touched
 * within workerd's 10 s eviction) until the samples are taken: without that, the first ones woken
 * would be evicted or not depending on how fast the machine was. VmRSS alone also counts whatever
 * garbage V8 has not collected yet (the writes leave tens of KiB per conversation, collected at a
 * moment no sample controls), so each sample (median of 5) also takes V8's committed heap off, and
 * the live JS heap is read at the end after a full collection forced through the inspector (a heap
 * snapshot, which costs workerd hundreds of MiB: nothing is sampled after it).
 */
async function workspaceMemory(options: { vars: Record<string, string>; tempDir: (name: string) => string }, withFiles: boolean, variant = "workspace"): Promise<{ bare: Sample; withFiles?: Sample; liveJsBytes: number; fileBytes: number }> {
  const worker = await startWorker({ vars: options.vars, persistTo: options.tempDir(`workspace-${variant}-${withFiles ? "files" : "bare"}-${Date.now()}`), entry: BENCH_ENTRY });
  const inspector = await inspect(worker.inspectorPort);
  let keeping = true;
  let keepAlive: Promise<void> = Promise.resolve();
  try {
    const workerd = () => processesInGroup(worker.process.pid!, "workerd").reduce((a, b) => (residentBytes(a) >= residentBytes(b) ? a : b));
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const heap = () => inspector.send<{ usedSize: number; totalSize: number }>("Runtime.getHeapUsage");
    const sample = async (): Promise<Sample> => {
      const samples: Sample[] = [];
      for (let i = 0; i < 5; i++) {
        await sleep(400);
        const { totalSize } = await heap();
        const pid = workerd();
        const resident = residentBytes(pid);
        samples.push({ rss: resident, native: resident - totalSize, mapped: mappedBytes(pid) });
      }
      return { rss: median(samples.map((s) => s.rss)), native: median(samples.map((s) => s.native)), mapped: median(samples.map((s) => s.mapped)) };
    };
    const since = (idle: Sample, now: Sample): Sample => ({ rss: now.rss - idle.rss, native: now.native - idle.native, mapped: now.mapped - idle.mapped });

    const touched = new Map<string, number>();
    const touch = async (key: string, count: number) => {
      const { value } = await post(worker, "/bench/workspace", { key, files: count, variant });
      touched.set(key, Date.now());
      return Number(value.bytes);
    };
    // Keeps every conversation woken so far live until the samples are taken.
    keepAlive = (async () => {
      while (keeping) {
        for (const [key, at] of touched) if (keeping && Date.now() - at > TOUCH_AFTER_MS) await touch(key, 0);
        await sleep(250);
      }
    })();

    for (let i = 0; i < 5; i++) await post(worker, "/bench/workspace", { key: `github:bench/warm-${i}#1`, files: WORKSPACE_FILES, variant });
    await sleep(12_000); // the warm-up conversations are evicted: the idle counts none of them
    const idle = await sample();
    const keys = Array.from({ length: MEMORY_CONVERSATIONS }, (_, i) => `github:bench/memory-${i}#1`);
    for (const key of keys) await touch(key, 0);
    const bare = since(idle, await sample());
    let fileBytes = 0;
    let filled: Sample | undefined;
    if (withFiles) {
      for (const key of keys) fileBytes = await touch(key, WORKSPACE_FILES);
      for (const key of keys) await touch(key, 0);
      filled = since(idle, await sample());
    }
    keeping = false;
    await keepAlive;
    for (const key of keys) await touch(key, 0);
    await inspector.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    return { bare, withFiles: filled, liveJsBytes: (await heap()).usedSize, fileBytes };
  } finally {
    keeping = false;
    await keepAlive.catch(() => undefined);
    inspector.close();
    worker.kill("SIGKILL");
    await worker.exited;
  }
}

