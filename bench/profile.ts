// `npm run bench:profile`: where the Worker's CPU goes under load. Starts the emulator and the
// Worker, sends signed Slack mentions at saturation, lets their turns finish, and takes a V8 CPU
// profile of the Worker's isolate through wrangler's DevTools inspector: self time per function
// and per package, plus the raw profile for Chrome DevTools. The inspector makes console.log
// dearer than it is without one, so read `log` shares with that in mind.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { devVars } from "../dev/defaults.ts";
import { ROOT, startWorker } from "../dev/workerd.ts";
import { prepareMentions } from "./events.ts";
import { inspect } from "./inspector.ts";
import { closedLoop } from "./load.ts";
import { BENCH_ENTRY, parkTurns, startNodeChild } from "./processes.ts";

process.env.PATH = `${join(ROOT, "node_modules/.bin")}${delimiter}${process.env.PATH ?? ""}`;

const SECONDS = Number(process.env.PROFILE_SECONDS ?? 5);
const CONVERSATIONS = Number(process.env.PROFILE_CONVERSATIONS ?? 100);
const TOP = Number(process.env.PROFILE_TOP ?? 35);
/** PROFILE_PARKED=1: the durable accept alone, every turn held on its first Slack call. */
const PARKED = process.env.PROFILE_PARKED === "1";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}


/** Which package or project folder a frame's script belongs to (bundled: by source path). */
function owner(url: string, functionName: string): string {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1]!;
  const local = url.match(/(agents|src|channels)\/[^?]*/);
  return local ? local[0] : url.replace(/^.*\//, "");
}

const emulator = await startNodeChild("bench/emulator-process.ts");
const dir = mkdtempSync(join(tmpdir(), "switchboard-profile-"));
const vars: Record<string, string> = { ...devVars(emulator.url), EMBEDDED_STREAM_PACE_MS: "0" };
const worker = await startWorker({ vars, persistTo: dir, entry: BENCH_ENTRY });
try {
  const secret = vars.SLACK_SIGNING_SECRET!;
  const warm = await prepareMentions({ count: 200, conversations: CONVERSATIONS, secret, offset: 0, channelPrefix: "PR" });
  let i = 0;
  await closedLoop(worker.url, () => warm[i++], 8, 60);
  await new Promise((resolve) => setTimeout(resolve, 3000));

  const events = await prepareMentions({ count: 20_000, conversations: CONVERSATIONS, secret, offset: 1000, channelPrefix: "PR" });
  const session = await inspect(worker.inspectorPort);
  await session.send("Profiler.enable");
  await session.send("Profiler.setSamplingInterval", { interval: 500 });
  await session.send("Profiler.start");
  let j = 0;
  if (PARKED) await parkTurns(emulator.url, SECONDS * 1000 + 5000, events.length);
  const load = await closedLoop(worker.url, () => events[j++], 32, SECONDS);
  // Let the accepted turns finish inside the profile too: their cost is part of every event.
  if (!PARKED) await new Promise((resolve) => setTimeout(resolve, Number(process.env.PROFILE_TAIL_MS ?? 5000)));
  const { profile } = await session.send<{ profile: Profile }>("Profiler.stop");
  session.close();

  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, k) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[k] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfUs].filter(([id]) => byId.get(id)!.callFrame.functionName === "(idle)").reduce((a, [, us]) => a + us, 0);
  const busy = total - idle;
  const perFunction = new Map<string, number>();
  const perOwner = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === "(idle)") continue;
    const where = owner(url, functionName);
    const key = `${functionName || "(anonymous)"}  ${where}:${lineNumber + 1}`;
    perFunction.set(key, (perFunction.get(key) ?? 0) + us);
    perOwner.set(where, (perOwner.get(where) ?? 0) + us);
  }
  const accepted = load.ok;
  const line = (name: string, us: number) =>
    `  ${(us / 1000).toFixed(0).padStart(7)} ms  ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${(us / accepted / 1000).toFixed(3).padStart(7)} ms/event  ${name}`;
  console.log(`\n${accepted} events accepted in ${load.seconds.toFixed(1)} s (${load.throughput.toFixed(0)} ev/s); profile ${(total / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s (${((100 * busy) / total).toFixed(0)}%), ${(busy / accepted / 1000).toFixed(2)} ms CPU per accepted event\n`);
  console.log("Self time by package / folder:");
  for (const [name, us] of [...perOwner].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(line(name, us));
  console.log(`\nSelf time by function (top ${TOP}):`);
  for (const [name, us] of [...perFunction].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(line(name, us));
  mkdirSync(join(ROOT, "bench/results"), { recursive: true });
  writeFileSync(join(ROOT, "bench/results/profile.cpuprofile"), JSON.stringify(profile));
  console.log("\nwrote bench/results/profile.cpuprofile (open it in Chrome DevTools → Performance)");
} finally {
  worker.kill("SIGKILL");
  await emulator.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
