// `npm run bench`: one run, one machine, every figure beside a baseline measured in the same run.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { devVars } from "../dev/defaults.ts";
import { devOptions, startEmulator } from "../dev/emulator/server.ts";
import { ROOT, startWorker, type RunningWorker } from "../dev/workerd.ts";
import { ceilingOf, prepareIssueEvents } from "./events.ts";
import { closedLoop, openLoop, type LoadResult, type PreparedRequest } from "./load.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const RATES = [100, 300, 1000];
const results: Record<string, unknown> = { date: new Date().toISOString(), seconds: SECONDS };

const emulator = await startEmulator(devOptions());
const persistTo = mkdtempSync(join(tmpdir(), "switchboard-bench-"));
const vars: Record<string, string> = { ...devVars(emulator.url), BENCH_ROUTES: "true" };
let worker: RunningWorker = await startWorker({ vars, persistTo });
const secret = vars.GITHUB_WEBHOOK_SECRET!;

function cycle(requests: PreparedRequest[]): () => PreparedRequest {
  let i = 0;
  return () => requests[i++ % requests.length]!;
}
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "—");
const row = (name: string, r: LoadResult) =>
  `${name.padEnd(34)} ${fmt(r.throughput).padStart(8)} ev/s   p50 ${fmt(r.p50, 2).padStart(7)} ms   p99 ${fmt(r.p99, 2).padStart(7)} ms   errors ${r.errors}`;

try {
  // 1. Ingress ack path: durable accept vs a route that stores nothing, same Worker, same runtime.
  console.log("\n1. Ingress ack path (signed GitHub issues.opened, accepted into SQLite before the 200)\n");
  const ack: Record<string, unknown> = {};
  let offset = 0;
  for (const conversations of [100, 10_000]) {
    for (const rate of RATES) {
      const events = await prepareIssueEvents(Math.round(rate * SECONDS), conversations, secret, offset);
      offset += events.length;
      const ceiling = await openLoop(worker.url, cycle(ceilingOf(events)), rate, SECONDS);
      const ours = await openLoop(worker.url, cycle(events), rate, SECONDS);
      ack[`${conversations}/${rate}`] = { ours, ceiling };
      console.log(row(`ceiling  @${rate}/s`, ceiling));
      console.log(row(`ours     @${rate}/s (${conversations} conv.)`, ours));
    }
    const events = await prepareIssueEvents(4000, conversations, secret, offset);
    offset += events.length;
    const ceiling = await closedLoop(worker.url, cycle(ceilingOf(events)), 32, SECONDS);
    const ours = await closedLoop(worker.url, cycle(events), 32, SECONDS);
    ack[`${conversations}/saturation`] = { ours, ceiling, ratio: ours.throughput / ceiling.throughput };
    console.log(row("ceiling  saturation", ceiling));
    console.log(row(`ours     saturation (${conversations} conv.)`, ours));
    console.log(`ours/ceiling at saturation: ${fmt(ours.throughput / ceiling.throughput, 2)}×\n`);
  }
  results.ack = ack;

  // 2. Storage per conversation: history and journals are compacted, so it stays flat.
  console.log("2. SQLite bytes of one conversation after N turns\n");
  const storage: Record<string, number> = {};
  const sizes = (dir: string) =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith(".sqlite"))
      .map((entry) => statSync(join(entry.parentPath, entry.name)).size);
  // Restart on fresh storage so the conversation's file stands alone.
  worker.kill("SIGKILL");
  await worker.exited;
  const storageDir = mkdtempSync(join(tmpdir(), "switchboard-bench-storage-"));
  worker = await startWorker({ vars, persistTo: storageDir });
  let done = 0;
  for (const target of [10, 100, 1000]) {
    const events = await prepareIssueEvents(target - done, 1, secret, 1_000_000 + done);
    for (const event of events) await openLoop(worker.url, () => event, 1, 0.001);
    done = target;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const largest = Math.max(...sizes(join(storageDir, "v3", "do")));
    storage[String(target)] = largest;
    console.log(`after ${String(target).padStart(4)} turns: ${(largest / 1024).toFixed(0)} KiB`);
  }
  results.storage = storage;
  rmSync(storageDir, { recursive: true, force: true });
} finally {
  worker.kill("SIGKILL");
  await emulator.close();
  rmSync(persistTo, { recursive: true, force: true });
}

mkdirSync(join(ROOT, "bench/results"), { recursive: true });
writeFileSync(join(ROOT, "bench/results/latest.json"), `${JSON.stringify(results, null, 2)}\n`);
console.log("\nwrote bench/results/latest.json");
process.exit(0);
