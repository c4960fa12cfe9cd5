// `npm run bench:cpu`: CPU time spent per event by workerd (the Worker and its Durable Objects)
// and by wrangler's Node process (its dev proxy), for the ceiling route and for ours with the
// turn included. Throughput on a shared 2-core machine moves with whatever else runs; CPU time
// per event barely does, so this is the figure to compare a change against.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { devVars } from "../dev/defaults.ts";
import { ROOT, startWorker, type RunningWorker } from "../dev/workerd.ts";
import { ceilingOf, prepareMentions } from "./events.ts";
import { openLoop } from "./load.ts";
import { BENCH_ENTRY, processesInGroup, startNodeChild } from "./processes.ts";

process.env.PATH = `${join(ROOT, "node_modules/.bin")}${delimiter}${process.env.PATH ?? ""}`;

const EVENTS = Number(process.env.CPU_EVENTS ?? 400);
const RATE = Number(process.env.CPU_RATE ?? 40);
const CONVERSATIONS = Number(process.env.CPU_CONVERSATIONS ?? 100);
const ROUNDS = Number(process.env.CPU_ROUNDS ?? 3);
const TICK_MS = 10; // USER_HZ = 100 on Linux

/** utime + stime of a process, ms. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}
/** CPU ms per process of the Worker's group (workerd processes come and go: compare per pid). */
function cpuOf(worker: RunningWorker): Map<number, number> {
  const pids = [worker.process.pid!, ...processesInGroup(worker.process.pid!, "workerd")];
  return new Map(pids.map((pid) => [pid, cpuMs(pid)]));
}
function spent(before: Map<number, number>, after: Map<number, number>, wrangler: number) {
  let workerd = 0;
  for (const [pid, ms] of after) if (pid !== wrangler && before.has(pid)) workerd += ms - before.get(pid)!;
  return { workerd, wrangler: (after.get(wrangler) ?? 0) - (before.get(wrangler) ?? 0) };
}

const emulator = await startNodeChild("bench/emulator-process.ts");
const dir = mkdtempSync(join(tmpdir(), "switchboard-cpu-"));
const vars: Record<string, string> = { ...devVars(emulator.url), EMBEDDED_STREAM_PACE_MS: "0" };
const worker = await startWorker({ vars, persistTo: dir, entry: BENCH_ENTRY });
const secret = vars.SLACK_SIGNING_SECRET!;
const settle = () => new Promise((resolve) => setTimeout(resolve, 2500));
async function replies(): Promise<number> {
  return ((await (await fetch(`${emulator.url}/_bench/count`)).json()) as { total: number }).total;
}

try {
  let offset = 0;
  const next = async (count: number) => {
    const events = await prepareMentions({ count, conversations: CONVERSATIONS, secret, offset, channelPrefix: "CP" });
    offset += count;
    return events;
  };
  // Warm-up: compile the bundle, create the conversations.
  const warm = await next(CONVERSATIONS * 2);
  let w = 0;
  await openLoop(worker.url, () => warm[w++]!, RATE, warm.length / RATE);
  while ((await replies()) < warm.length) await settle();
  await settle();

  const rows: Record<string, { workerd: number[]; wrangler: number[] }> = { ceiling: { workerd: [], wrangler: [] }, ours: { workerd: [], wrangler: [] } };
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of ["ceiling", "ours"] as const) {
      const events = name === "ours" ? await next(EVENTS) : ceilingOf(await next(EVENTS));
      const expected = (await replies()) + (name === "ours" ? EVENTS : 0);
      await settle();
      const before = cpuOf(worker);
      let i = 0;
      const load = await openLoop(worker.url, () => events[i++]!, RATE, EVENTS / RATE);
      const deadline = Date.now() + 60_000;
      while ((await replies()) < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await settle(); // the last turns' trailing work (reaction removal, compaction)
      const used = spent(before, cpuOf(worker), worker.process.pid!);
      if (load.ok !== EVENTS) console.log(`  (${name}: ${EVENTS - load.ok} of ${EVENTS} not 2xx)`);
      rows[name]!.workerd.push(used.workerd / load.ok);
      rows[name]!.wrangler.push(used.wrangler / load.ok);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`\nCPU ms per event (${EVENTS} events at ${RATE} ev/s over ${CONVERSATIONS} conversations, median of ${ROUNDS} rounds; ours includes its turn)\n`);
  for (const [name, row] of Object.entries(rows)) {
    console.log(`  ${name.padEnd(8)} workerd ${median(row.workerd).toFixed(2).padStart(6)}   wrangler ${median(row.wrangler).toFixed(2).padStart(6)}   [${row.workerd.map((x) => x.toFixed(2)).join(", ")}]`);
  }
  const ours = median(rows.ours!.workerd);
  const ceiling = median(rows.ceiling!.workerd);
  console.log(`\n  ours − ceiling in workerd: ${(ours - ceiling).toFixed(2)} ms per event`);
} finally {
  worker.kill("SIGKILL");
  await emulator.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
