// `npm run bench`: one run, one machine, every figure beside a baseline measured in the same run.
// Processes: this one (load generator), the emulator (bench/emulator-process.ts), the peer
// (bench/peer.ts, Chat SDK on Node) and wrangler dev + workerd (the Worker under test).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { DatabaseSync } from "node:sqlite";
import { delimiter, join } from "node:path";
import { devVars } from "../dev/defaults.ts";
import { ROOT, startWorker, type RunningWorker } from "../dev/workerd.ts";
import { chart } from "./chart.ts";
import { parseCsvObjects, TRAINING_CSV } from "../scripts/csv.ts";
import { DEV_SLACK } from "../dev/emulator/slack.ts";
import { signSlack } from "../dev/slack-events.ts";
import { ceilingOf, prepareMentions, SLACK_EVENTS_PATH, type PreparedMention } from "./events.ts";
import { closedLoop, openLoop, wallNow, type LoadResult, type PreparedRequest } from "./load.ts";
import { BENCH_ENTRY, cpuMs, parkTurns, processesInGroup, residentBytes, startNodeChild, type NodeChild } from "./processes.ts";
import type { RecordedProgress, RecordedReply } from "./emulator-process.ts";
import { COST_BASELINE_COMMIT, costSection } from "./cost.ts";
import { benchSandbox } from "./sandbox.ts";

// wrangler's launcher needs Node ≥ 22: put the project's node first, as `npm run` does.
process.env.PATH = `${join(ROOT, "node_modules/.bin")}${delimiter}${process.env.PATH ?? ""}`;

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
/** Offered events per point at most (so 1,000 ev/s runs 1 s): Switchboard absorbs ~30-100 ev/s here, and every accepted event's turn must drain. */
const MAX_POINT_EVENTS = Number(process.env.BENCH_MAX_POINT_EVENTS ?? 1000);
const RATES = [100, 300, 1000];
const CONVERSATION_SETS = (process.env.BENCH_CONVERSATIONS ?? "100,10000").split(",").map(Number);
const SATURATION_CONNECTIONS = 32;
/** Points measured a second time with the turns parked (the durable accept alone). */
const PARKED_POINTS = ["300", "saturation"];
/** Longest wait for one measurement's turns to deliver their replies before the next starts. */
const DRAIN_MS = Number(process.env.BENCH_DRAIN_MS ?? 45_000);
const TURNS = Number(process.env.BENCH_TURNS ?? 1000);
const TURN_RATE = Number(process.env.BENCH_TURN_RATE ?? 25);
const RECOVERY_TURNS = Number(process.env.BENCH_RECOVERY_TURNS ?? 20);
/** Live turns: one mention each in this many new conversations, per pass. */
const LIVE_TURNS = Number(process.env.BENCH_LIVE_TURNS ?? 100);
/** A platform outage: every reply refused with 503 and `Retry-After: 120` for this long. */
const OUTAGE_SECONDS = Number(process.env.BENCH_OUTAGE_SECONDS ?? 300);
const OUTAGE_RETRY_AFTER_SECONDS = 120;
const STORAGE_POINTS = [10, 100, 1000];
const MEMORY_CONVERSATIONS = 10_000;
const CLASSIFIER_ISSUES = 300;
const CLASSIFIER_REPEAT = 50;
/**
 * The memory step wakes conversations until 10,000 exist or the run reaches this many seconds
 * (a new Durable Object costs ~25 ms here); the steps after it take about 70 s, so the whole run
 * stays under 10 minutes.
 */
const MEMORY_FILL_UNTIL_SECONDS = Number(process.env.BENCH_MEMORY_FILL_UNTIL ?? 480);

/** Sections to run (`BENCH_ONLY=ack,turns`); all by default. A partial run writes partial.json. */
const ONLY = process.env.BENCH_ONLY?.split(",").map((name) => name.trim());
const runs = (section: "ack" | "turns" | "live" | "memory" | "classifier" | "recovery" | "outage" | "storage" | "sandbox") => !ONLY || ONLY.includes(section);

const runStarted = performance.now();
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: { cpus: (await import("node:os")).cpus().length, node: process.version },
  seconds: SECONDS,
};
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "—");
const row = (name: string, r: LoadResult) =>
  `  ${name.padEnd(30)} ${fmt(r.throughput).padStart(7)} ev/s   p50 ${fmt(r.p50, 1).padStart(7)} ms   p99 ${fmt(r.p99, 1).padStart(7)} ms   non-2xx ${r.errors}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : Number.NaN;
const elapsed = () => `${((performance.now() - runStarted) / 1000).toFixed(0)} s`;
const { signingSecret } = { signingSecret: devVars().SLACK_SIGNING_SECRET! };

const emulator = await startNodeChild("bench/emulator-process.ts");
const peer = await startNodeChild("bench/peer.ts", [emulator.url]);
// No pace: the embedded model answers at once, as the figures should measure the framework, not a delay.
const vars: Record<string, string> = { ...devVars(emulator.url), EMBEDDED_STREAM_PACE_MS: "0", PROBE: process.env.PROBE ?? "" };
const tempDirs: string[] = [];
const tempDir = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `switchboard-bench-${name}-`));
  tempDirs.push(dir);
  return dir;
};
let worker: RunningWorker | undefined;
const children: NodeChild[] = [emulator, peer];

async function replyCount(channelPrefix: string): Promise<number> {
  const response = await fetch(`${emulator.url}/_bench/count?channel=C${channelPrefix}`);
  return ((await response.json()) as { matching: number }).matching;
}
async function repliesSince(since: number): Promise<RecordedReply[]> {
  const response = await fetch(`${emulator.url}/_bench/replies?since=${since}`);
  return ((await response.json()) as { replies: RecordedReply[] }).replies;
}
/** The event a reply answers: its metadata key is `<event id>:<step>`. */
const eventOf = (reply: RecordedReply) => reply.key?.split(":")[0] ?? reply.thread;
/** The first reply recorded for each event. */
function firstReplies(replies: readonly RecordedReply[]): Map<string, RecordedReply> {
  const first = new Map<string, RecordedReply>();
  for (const reply of replies) if (!first.has(eventOf(reply))) first.set(eventOf(reply), reply);
  return first;
}
/**
 * Messages beyond one per event. A streamed reply recovered after a crash is recorded twice (its
 * close, then its rewrite) but is one message: messages are told apart by their ts.
 */
function duplicates(replies: readonly RecordedReply[]): number {
  const messages = new Map<string, Set<string>>();
  for (const reply of replies) messages.set(eventOf(reply), (messages.get(eventOf(reply)) ?? new Set()).add(reply.ts));
  return [...messages.values()].reduce((sum, set) => sum + set.size - 1, 0);
}
async function replyTotal(): Promise<number> {
  return ((await (await fetch(`${emulator.url}/_bench/count`)).json()) as { total: number }).total;
}
/** Waits until the emulator holds `expected` replies in channels `C<prefix>…`, at most `bound` ms. */
async function drain(channelPrefix: string, expected: number, bound = DRAIN_MS) {
  const started = performance.now();
  let seen = await replyCount(channelPrefix);
  while (seen < expected && performance.now() - started < bound) {
    await sleep(100);
    seen = await replyCount(channelPrefix);
  }
  return { ms: Math.round(performance.now() - started), missing: Math.max(0, expected - seen), extra: Math.max(0, seen - expected) };
}
async function emulatorControl(method: string, path: string, body?: unknown) {
  const response = await fetch(`${emulator.url}/_emulator${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return response.json() as Promise<unknown>;
}
/** The Worker's `ingress.error` log lines (each answered 503 with retry-after), counted by message. */
function ingressErrors(output: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of output.split("\n")) {
    const at = line.indexOf('{"msg":"ingress.error"');
    if (at < 0) continue;
    let error: string;
    try {
      error = (JSON.parse(line.slice(at)) as { error: string }).error;
    } catch {
      error = line.slice(at, at + 300);
    }
    counts[error] = (counts[error] ?? 0) + 1;
  }
  return counts;
}
/** CPU the Worker's runtime has used so far (every workerd in wrangler's process group), ms. */
function workerdCpu(w: RunningWorker): number {
  return processesInGroup(w.process.pid!, "workerd").reduce((sum, pid) => sum + cpuMs(pid), 0);
}
function workerdRss(w: RunningWorker): number {
  // wrangler and workerd share a process group; the largest workerd is the runtime serving the Worker.
  return Math.max(...processesInGroup(w.process.pid!, "workerd").map(residentBytes));
}
const list = <T>(items: T[]) => {
  let i = 0;
  return () => items[i++];
};

let offset = 0;
const mentions = async (count: number, conversations: number, channelPrefix: string, path = SLACK_EVENTS_PATH) => {
  const prepared = await prepareMentions({ count, conversations, secret: signingSecret, offset, channelPrefix, path });
  offset += count;
  return prepared;
};

try {
  const ackDir = tempDir("ack");
  worker = await startWorker({ vars, persistTo: ackDir, entry: BENCH_ENTRY });
  const rssIdle = workerdRss(worker);

  // ---- 1. Ingress ack path ------------------------------------------------------------------
  if (runs("ack")) {
    console.log(`\n1. Ingress ack path: signed Slack app_mention events, ${SECONDS} s per point, open loop; saturation = ${SATURATION_CONNECTIONS} in flight`);
    console.log("   (ours: verified, normalized and in the conversation's SQLite inbox before the 200; its turn then runs)\n");
    const ack: Record<string, unknown> = {};
    let oursExpected = 0;
    let peerExpected = 0;
    for (const conversations of CONVERSATION_SETS) {
      console.log(` ${conversations} conversations`);
      // Warm-up: the Worker's first requests compile the bundle and create the agents' tables.
      const warm = await mentions(Math.min(conversations, 100), conversations, "SB");
      const warmed = await closedLoop(worker.url, list(warm), 8, 60);
      oursExpected += warmed.ok;
      await drain("SB", oursExpected);
      const points: [string, number | "saturation"][] = [...RATES.map((r) => [String(r), r] as [string, number]), ["saturation", "saturation"]];
      for (const [label, rate] of points) {
        const seconds = rate === "saturation" ? SECONDS : Math.min(SECONDS, MAX_POINT_EVENTS / rate);
        const count = rate === "saturation" ? 6000 : Math.round(rate * seconds);
        const ours = await mentions(count, conversations, "SB");
        const theirs = await mentions(count, conversations, "PE");
        const run = (url: string, requests: PreparedRequest[]) =>
          rate === "saturation"
            ? closedLoop(url, list(requests), SATURATION_CONNECTIONS, seconds)
            : openLoop(url, list(requests) as () => PreparedRequest, rate, seconds);
        const ceiling = await run(worker.url, ceilingOf(ours));
        const logFrom = worker.output().length;
        const oursResult = await run(worker.url, ours);
        const oursErrors = ingressErrors(worker.output().slice(logFrom));
        oursExpected += oursResult.ok;
        const oursDrain = await drain("SB", oursExpected);
        oursExpected -= oursDrain.missing; // not counted again against the next point
        // The durable accept on its own: the same load while every turn waits on Slack (its first
        // call, reactions.add, is held by the emulator until the point is over), so the turns
        // do not compete with the accepts for workerd's one JavaScript thread. In production
        // they would not: each conversation's object runs apart from the ingress Worker.
        let parked: { result: LoadResult; drain: Awaited<ReturnType<typeof drain>> } | undefined;
        if (PARKED_POINTS.includes(label)) {
          const events = await mentions(count, conversations, "SB");
          await parkTurns(emulator.url, seconds * 1000 + 2000, count);
          const result = await run(worker.url, events);
          await emulatorControl("DELETE", "/faults"); // held calls still proceed when their time is up
          oursExpected += result.ok;
          const parkedDrain = await drain("SB", oursExpected);
          oursExpected -= parkedDrain.missing;
          parked = { result, drain: parkedDrain };
        }
        const peerResult = await run(peer.url, theirs);
        peerExpected += peerResult.ok;
        const peerDrain = await drain("PE", peerExpected);
        peerExpected -= peerDrain.missing;
        await emulatorControl("POST", "/reset"); // the emulator's message lists stay short
        ack[`${conversations}/${label}`] = {
          offeredSeconds: seconds,
          ceiling,
          ours: oursResult,
          peer: peerResult,
          oursDrain,
          oursErrors,
          peerDrain,
          oursOverCeiling: oursResult.throughput / ceiling.throughput,
          oursOverPeer: oursResult.throughput / peerResult.throughput,
          ...(parked && {
            acceptOnly: parked.result,
            acceptOnlyDrain: parked.drain,
            acceptOnlyOverCeiling: parked.result.throughput / ceiling.throughput,
            acceptOnlyOverPeer: parked.result.throughput / peerResult.throughput,
          }),
        };
        console.log(` @${label}${rate === "saturation" ? "" : " ev/s"} for ${fmt(seconds)} s`);
        console.log(row("ceiling", ceiling));
        console.log(row("ours", oursResult) + `   replies drained in ${fmt(oursDrain.ms / 1000)} s${oursDrain.missing ? `, ${oursDrain.missing} still missing` : ""}`);
        for (const [error, count] of Object.entries(oursErrors)) console.log(`    ${count} × ingress.error: ${error}`);
        if (parked) {
          console.log(row("ours, turns parked", parked.result) + `   replies drained in ${fmt(parked.drain.ms / 1000)} s${parked.drain.missing ? `, ${parked.drain.missing} still missing` : ""}`);
        }
        console.log(row("peer (Chat SDK)", peerResult) + `   replies drained in ${fmt(peerDrain.ms / 1000)} s${peerDrain.missing ? `, ${peerDrain.missing} still missing` : ""}`);
        console.log(
          `  ours/ceiling ${fmt(oursResult.throughput / ceiling.throughput, 2)}×   ours/peer ${fmt(oursResult.throughput / peerResult.throughput, 2)}×` +
            (parked ? `   turns parked: ours/ceiling ${fmt(parked.result.throughput / ceiling.throughput, 2)}×, ours/peer ${fmt(parked.result.throughput / peerResult.throughput, 2)}×` : "") +
            `   [${elapsed()}]`,
        );
      }
    }
    results.ack = ack;
  }

  // ---- 2. Turn latency ----------------------------------------------------------------------
  if (runs("turns")) {
    console.log(`\n2. Turn latency: ${TURNS} turns over 100 conversations at ${TURN_RATE} ev/s, accept (the 200) → reply recorded by the emulator\n`);
    const events = await mentions(TURNS, 100, "TL");
    const accepted = new Map<string, number>();
    const sentAt: number[] = [];
    const before = await replyTotal();
    let i = 0;
    const load = await openLoop(
      worker.url,
      () => {
        sentAt.push(wallNow());
        return events[i++]!;
      },
      TURN_RATE,
      TURNS / TURN_RATE,
      (index, status, at) => {
        if (status === 200) accepted.set(events[index]!.eventId, at);
      },
    );
    const turnDrain = await drain("TL", accepted.size, DRAIN_MS * 2);
    const replies = firstReplies((await repliesSince(before)).filter((r) => r.channel.startsWith("CTL")));
    const latencies: number[] = [];
    for (const [eventId, reply] of replies) {
      const acceptedAt = accepted.get(eventId);
      if (acceptedAt !== undefined) latencies.push(reply.at - acceptedAt);
    }
    latencies.sort((a, b) => a - b);
    // The Worker's own log line per turn: turnMs and externalMs by workerd's clock.
    const turnLogs = [...worker.output().matchAll(/\{"msg":"turn\.done".*?\}/g)]
      .map((m) => JSON.parse(m[0]) as { conversationKey: string; steps: number; turnMs: number; externalMs: number })
      .filter((t) => t.conversationKey.includes(":CTL"));
    const inside = turnLogs.map((t) => (t.turnMs - t.externalMs) / Math.max(1, t.steps)).sort((a, b) => a - b);
    const turnMs = turnLogs.map((t) => t.turnMs).sort((a, b) => a - b);
    const turns = {
      sent: load.sent,
      accepted: accepted.size,
      replies: latencies.length,
      ackP50: load.p50,
      ackP99: load.p99,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      max: latencies.at(-1) ?? Number.NaN,
      missing: turnDrain.missing,
      workerdClock: {
        turns: turnLogs.length,
        turnMsP50: percentile(turnMs, 0.5),
        turnMsP99: percentile(turnMs, 0.99),
        frameworkMsPerStepP50: percentile(inside, 0.5),
        frameworkMsPerStepP99: percentile(inside, 0.99),
      },
    };
    results.turns = turns;
    console.log(`  ${turns.accepted}/${turns.sent} accepted, ${turns.replies} replies matched; ack p50 ${fmt(load.p50)} ms p99 ${fmt(load.p99)} ms`);
    console.log(`  accept → reply: p50 ${fmt(turns.p50)} ms   p99 ${fmt(turns.p99)} ms   max ${fmt(turns.max)} ms${turns.missing ? `   ${turns.missing} replies missing after ${DRAIN_MS * 2} ms` : ""}`);
    console.log(`  workerd's clock (turn.done logs, ${turnLogs.length} turns): turn p50 ${fmt(turns.workerdClock.turnMsP50)} ms p99 ${fmt(turns.workerdClock.turnMsP99)} ms; ` +
      `(turn − external)/step p50 ${fmt(turns.workerdClock.frameworkMsPerStepP50, 2)} ms p99 ${fmt(turns.workerdClock.frameworkMsPerStepP99, 2)} ms   [${elapsed()}]`);
    await emulatorControl("POST", "/reset");
  }

  // ---- 2b. Live turns: first visible progress, streaming, telemetry ---------------------------
  if (runs("live")) {
    console.log(`\n2b. Live turns: ${LIVE_TURNS} mentions in ${LIVE_TURNS} new conversations at ${TURN_RATE} ev/s, answers paced as in npm run dev, three ways on fresh Workers\n`);
    // Paced as in `npm run dev` (its answers arrive as a language model's do, a few words at a
    // time), so a streamed reply has several pieces: the pace is timers, not CPU.
    const paced = { EMBEDDED_STREAM_PACE_MS: devVars(emulator.url).EMBEDDED_STREAM_PACE_MS! };
    const pass = async (name: string, overrides: Record<string, string>) => {
      const w = await startWorker({ vars: { ...vars, ...paced, ...overrides }, persistTo: tempDir(`live-${name}`), entry: BENCH_ENTRY });
      const prefix = `LV${name.slice(0, 2).toUpperCase()}`;
      const events = await mentions(LIVE_TURNS, LIVE_TURNS, prefix);
      const accepted = new Map<string, number>();
      const cpuBefore = workerdCpu(w);
      const before = await replyTotal();
      let i = 0;
      await openLoop(w.url, () => events[i++]!, TURN_RATE, LIVE_TURNS / TURN_RATE, (index, status, at) => {
        if (status === 200) accepted.set(events[index]!.eventId, at);
      });
      const drained = await drain(prefix, accepted.size, DRAIN_MS);
      await sleep(500);
      const cpu = workerdCpu(w) - cpuBefore;
      const shown = new Map(((await (await fetch(`${emulator.url}/_bench/progress`)).json()) as { progress: RecordedProgress[] }).progress.map((p) => [p.id, p]));
      // First sign of work: 👀 on the mention, or its thread's stream opening, whichever came first.
      const firstProgress = events
        .flatMap((e) => {
          const at = accepted.get(e.eventId);
          const seen = [shown.get(`${e.channel}:${e.ts}`)?.firstAt, shown.get(`${e.channel}:${e.threadTs}`)?.firstAt].filter((t): t is number => t !== undefined);
          return at === undefined || seen.length === 0 ? [] : [Math.min(...seen) - at];
        })
        .sort((a, b) => a - b);
      const pieces = events.reduce((sum, e) => sum + (shown.get(`${e.channel}:${e.threadTs}`)?.pieces ?? 0), 0);
      const replies = firstReplies((await repliesSince(before)).filter((r) => r.channel.startsWith(`C${prefix}`)));
      w.kill("SIGKILL");
      await w.exited;
      return {
        turns: replies.size,
        missing: drained.missing,
        cpuMsPerTurn: cpu / Math.max(1, replies.size),
        firstProgressP50: percentile(firstProgress, 0.5),
        firstProgressP99: percentile(firstProgress, 0.99),
        piecesPerTurn: pieces / Math.max(1, replies.size),
      };
    };
    const full = await pass("full", {});
    const quiet = await pass("quiet", { TURN_TELEMETRY: "off" });
    const once = await pass("once", { LIVE_REPLIES: "off" });
    const live = {
      conversations: LIVE_TURNS,
      rate: TURN_RATE,
      firstVisibleProgressP50Ms: full.firstProgressP50,
      firstVisibleProgressP99Ms: full.firstProgressP99,
      cpuMsPerTurn: { full: full.cpuMsPerTurn, telemetryOff: quiet.cpuMsPerTurn, liveRepliesOff: once.cpuMsPerTurn },
      telemetryCpuShare: (full.cpuMsPerTurn - quiet.cpuMsPerTurn) / quiet.cpuMsPerTurn,
      piecesPerTurn: full.piecesPerTurn,
      streamingCpuMsPerPiece: full.piecesPerTurn > 0 ? (full.cpuMsPerTurn - once.cpuMsPerTurn) / full.piecesPerTurn : Number.NaN,
      missing: full.missing + quiet.missing + once.missing,
    };
    results.live = live;
    console.log(`  accept → first visible progress (👀, a status or the stream opening): p50 ${fmt(live.firstVisibleProgressP50Ms)} ms   p99 ${fmt(live.firstVisibleProgressP99Ms)} ms   (targets ≤ 300 / ≤ 1000 ms)`);
    console.log(`  workerd CPU per turn: ${fmt(full.cpuMsPerTurn)} ms; with tracing and usage off ${fmt(quiet.cpuMsPerTurn)} ms (telemetry ${fmt(live.telemetryCpuShare * 100)} %, target ≤ 10 %)`);
    console.log(`  streaming: ${fmt(live.piecesPerTurn)} pieces per turn, ${fmt(live.streamingCpuMsPerPiece, 2)} ms of workerd CPU each (against answering once: ${fmt(once.cpuMsPerTurn)} ms per turn)${live.missing ? `   ${live.missing} replies missing` : ""}   [${elapsed()}]`);
  }

  // ---- 4b. Memory with 10,000 live conversations ---------------------------------------------
  // The ack runs over 10,000 conversations touched several thousand of them with real turns;
  // the rest are created with thread messages that do not address the bot (each wakes its
  // conversation's Durable Object, which records nothing and starts no turn).
  if (runs("memory")) {
    console.log(`\n4b. Resident memory of workerd with ${MEMORY_CONVERSATIONS} live conversations\n`);
    const touched = Math.min(MEMORY_CONVERSATIONS, offset);
    // (touched: an upper bound on the conversations the ack runs gave turns to)
    const top: PreparedMention[] = [];
    const fill = await prepareMentions({ count: MEMORY_CONVERSATIONS, conversations: MEMORY_CONVERSATIONS, secret: signingSecret, offset: 50_000_000, channelPrefix: "MF" });
    // 10,000 new threads (channels CMF…), a thread reply that does not mention the bot in each.
    for (const event of fill) {
      const body = event.body.replace(`<@${DEV_SLACK.botUserId}> `, "").replace('"type":"app_mention"', '"type":"message"');
      top.push({ ...event, body, headers: { ...event.headers, ...(await signSlack(body, signingSecret)) } });
    }
    // Every conversation ever woken has its own SQLite file; the runtime may have evicted some from memory.
    const conversationCount = () =>
      readdirSync(join(ackDir, "v3", "do"), { recursive: true }).filter((f) => String(f).includes("ConversationAgent") && String(f).endsWith(".sqlite")).length;
    const before = workerdRss(worker);
    const fillSeconds = Math.max(30, MEMORY_FILL_UNTIL_SECONDS - (performance.now() - runStarted) / 1000);
    const fillLoad = await closedLoop(worker.url, list(top.slice(0, Math.max(0, MEMORY_CONVERSATIONS - conversationCount()))), 16, fillSeconds);
    await sleep(2000);
    const after = workerdRss(worker);
    const conversationFiles = conversationCount();
    results.memory = {
      idleBytes: rssIdle,
      afterAckRunsBytes: before,
      bytes: after,
      conversationsWoken: conversationFiles,
      fillTarget: MEMORY_CONVERSATIONS,
      fillWoken: fillLoad.statuses["202"] ?? 0,
      fillSeconds: fillLoad.seconds,
      ackRunEventsUpperBound: touched,
    };
    console.log(`  workerd VmRSS: ${fmt(rssIdle / 2 ** 20)} MiB idle, ${fmt(before / 2 ** 20)} MiB after the ack runs, ${fmt(after / 2 ** 20)} MiB after waking ${fillLoad.statuses["202"] ?? 0} more in ${fmt(fillLoad.seconds)} s`);
    console.log(`  ${conversationFiles} conversations exist (one SQLite file each); target ${MEMORY_CONVERSATIONS} ${conversationFiles >= MEMORY_CONVERSATIONS ? "reached" : "NOT reached in the time bound"}   [${elapsed()}]`);
  }
  // ---- 5. Classifier inside workerd -----------------------------------------------------------
  if (runs("classifier")) {
    console.log(`\n5. Embedded classifier inside workerd: ${CLASSIFIER_ISSUES} issues from the NLBSE'24 training split, each classified ${CLASSIFIER_REPEAT}× per request\n`);
    const rows = parseCsvObjects(readFileSync(TRAINING_CSV, "utf8"));
    const step = Math.max(1, Math.floor(rows.length / CLASSIFIER_ISSUES));
    const perIssue: number[] = [];
    const timed = async (title: string, body: string, repeat: number) => {
      const started = performance.now();
      const response = await fetch(`${worker!.url}/bench/classify`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title, body, repeat }),
      });
      await response.text();
      return performance.now() - started;
    };
    for (let i = 0; i < rows.length && perIssue.length < CLASSIFIER_ISSUES; i += step) {
      const { title = "", body = "" } = rows[i]!;
      await timed(title, body, 1); // the request path warm for this body size
      const empty = Math.min(await timed(title, body, 0), await timed(title, body, 0));
      const full = Math.min(await timed(title, body, CLASSIFIER_REPEAT), await timed(title, body, CLASSIFIER_REPEAT));
      perIssue.push(Math.max(0, full - empty) / CLASSIFIER_REPEAT);
    }
    perIssue.sort((a, b) => a - b);
    results.classifier = { issues: perIssue.length, repeat: CLASSIFIER_REPEAT, medianMs: percentile(perIssue, 0.5), p99Ms: percentile(perIssue, 0.99) };
    console.log(`  per issue: median ${fmt(percentile(perIssue, 0.5), 3)} ms, p99 ${fmt(percentile(perIssue, 0.99), 3)} ms (target: median ≤ 1 ms)   [${elapsed()}]`);
  }
  worker.kill("SIGKILL");
  await worker.exited;

  // ---- 3. Recovery --------------------------------------------------------------------------
  if (runs("recovery")) {
    console.log(`\n3. Recovery: ${RECOVERY_TURNS} turns held at chat.stopStream (the reply), SIGKILL, restart on the same state\n`);
    const persistTo = tempDir("recovery");
    worker = await startWorker({ vars, persistTo, entry: BENCH_ENTRY });
    const events = await mentions(RECOVERY_TURNS, RECOVERY_TURNS, "RC");
    const before = await replyTotal();
    await emulatorControl("POST", "/faults", {
      platform: "slack",
      method: "POST",
      // The reply step: the call that closes the answer's streaming message.
      pathPattern: "chat\\.stopStream",
      kind: "timeout",
      delayMs: 120_000,
      then: "gateway-timeout",
      times: RECOVERY_TURNS,
    });
    const load = await closedLoop(worker.url, list(events), 8, 30);
    // Every turn is in flight once the fault has held RECOVERY_TURNS posts (it is then used up).
    const deadline = Date.now() + 60_000;
    while (((await emulatorControl("GET", "/faults")) as unknown[]).length > 0 && Date.now() < deadline) await sleep(100);
    worker.kill("SIGKILL");
    await worker.exited;
    const restarting = performance.now();
    worker = await startWorker({ vars, persistTo, entry: BENCH_ENTRY });
    const ready = performance.now();
    const drained = await drain("RC", RECOVERY_TURNS, 90_000);
    const replies = (await repliesSince(before)).filter((r) => r.channel.startsWith("CRC"));

    const delivered = new Set(replies.map((r) => r.key?.split(":")[0]));
    const lost = events.filter((e) => !delivered.has(e.eventId)).length;
    const duplicated = duplicates(replies);
    const lastReply = Math.max(...replies.map((r) => r.at));
    const readyWall = performance.timeOrigin + ready;
    const recovery = {
      turns: RECOVERY_TURNS,
      accepted: load.ok,
      restartMs: Math.round(ready - restarting),
      allDoneAfterRestartMs: lost === 0 ? Math.round(lastReply - readyWall) : Number.NaN,
      firstReplyAfterRestartMs: replies.length ? Math.round(Math.min(...replies.map((r) => r.at)) - readyWall) : Number.NaN,
      lost,
      duplicated,
      drainMs: drained.ms,
    };
    results.recovery = recovery;
    console.log(`  ${recovery.accepted} accepted; wrangler dev back in ${fmt(recovery.restartMs / 1000)} s; after it was ready: first reply ${fmt(recovery.firstReplyAfterRestartMs / 1000, 2)} s, all replies ${fmt(recovery.allDoneAfterRestartMs / 1000, 2)} s`);
    console.log(`  lost ${lost}, duplicated ${duplicated}   [${elapsed()}]`);
    await emulatorControl("DELETE", "/faults");
    worker.kill("SIGKILL");
    await worker.exited;
  }

  // ---- 3b. A platform outage ----------------------------------------------------------------
  if (runs("outage")) {
    console.log(`\n3b. Outage: every call writing an answer answered 503 with Retry-After: ${OUTAGE_RETRY_AFTER_SECONDS} for ${OUTAGE_SECONDS} s\n`);
    const persistTo = tempDir("outage");
    worker = await startWorker({ vars, persistTo, entry: BENCH_ENTRY });
    const events = await mentions(RECOVERY_TURNS, RECOVERY_TURNS, "OU");
    const before = await replyTotal();
    const refused = (await emulatorControl("POST", "/faults", {
      platform: "slack",
      method: "POST",
      // Every call that writes the answer: opening, closing or rewriting its message.
      pathPattern: "chat\\.(postMessage|startStream|stopStream|update)$",
      kind: "status",
      status: 503,
      retryAfter: OUTAGE_RETRY_AFTER_SECONDS,
      times: 1_000_000,
    })) as { id: string };
    const started = Date.now();
    const load = await closedLoop(worker.url, list(events), 8, 30);
    await sleep(Math.max(0, started + OUTAGE_SECONDS * 1000 - Date.now()));
    await emulatorControl("DELETE", `/faults/${refused.id}`);
    const ended = Date.now();
    const drained = await drain("OU", RECOVERY_TURNS, (OUTAGE_RETRY_AFTER_SECONDS + 60) * 1000);
    const replies = (await repliesSince(before)).filter((r) => r.channel.startsWith("COU"));
    const perEvent = firstReplies(replies);
    const outage = {
      turns: RECOVERY_TURNS,
      accepted: load.ok,
      outageSeconds: OUTAGE_SECONDS,
      retryAfterSeconds: OUTAGE_RETRY_AFTER_SECONDS,
      lost: events.filter((e) => !perEvent.has(e.eventId)).length,
      duplicated: duplicates(replies),
      lastReplyAfterOutageMs: replies.length ? Math.round(Math.max(...replies.map((r) => r.at)) - ended) : Number.NaN,
      drainMs: drained.ms,
    };
    results.outage = outage;
    console.log(`  ${outage.accepted} accepted; after the outage ended: all replies within ${fmt(outage.lastReplyAfterOutageMs / 1000)} s`);
    console.log(`  lost ${outage.lost}, duplicated ${outage.duplicated}   [${elapsed()}]`);
    worker.kill("SIGKILL");
    await worker.exited;
  }

  // ---- 4a. Storage per conversation ---------------------------------------------------------
  if (runs("storage")) {
    console.log("\n4a. SQLite bytes of one conversation after N turns\n");
    const persistTo = tempDir("storage");
    worker = await startWorker({ vars, persistTo, entry: BENCH_ENTRY });
    const doDir = join(persistTo, "v3", "do");
    const files = () =>
      existsDir(doDir)
        ? readdirSync(doDir, { recursive: true, withFileTypes: true })
            .filter((entry) => entry.isFile())
            .map((entry) => join(entry.parentPath, entry.name))
        : [];
    const storage: Record<string, unknown> = {};
    let done = 0;
    let conversationFile: string | undefined;
    for (const target of STORAGE_POINTS) {
      const events = await mentions(target - done, 1, "ST");
      const load = await closedLoop(worker.url, list(events), 4, 120);
      done = target;
      await drain("ST", done, 120_000);
      await sleep(500);
      // workerd keeps one SQLite database per Durable Object under v3/do/<script>-<class>/;
      // the conversation's is the one in the ConversationAgent directory (a fresh directory
      // holds exactly one). metadata.sqlite beside them is the runtime's own.
      conversationFile ??= files().find((f) => f.includes("ConversationAgent") && f.endsWith(".sqlite"));
      const size = (path: string) => (existsFile(path) ? statSync(path).size : 0);
      const main = conversationFile ? size(conversationFile) : Number.NaN;
      const wal = conversationFile ? size(`${conversationFile}-wal`) : 0;
      const inside = conversationFile ? contents(conversationFile) : undefined;
      storage[String(target)] = { sqliteBytes: main, walBytes: wal, accepted: load.ok, ...inside };
      console.log(
        `  after ${String(target).padStart(4)} turns: file ${fmt(main / 1024)} KiB + WAL ${fmt(wal / 1024)} KiB; pages in use ${fmt((inside?.usedBytes ?? Number.NaN) / 1024)} KiB; ` +
          `rows ${inside ? Object.entries(inside.rows).filter(([, n]) => n > 0).map(([t, n]) => `${t} ${n}`).join(", ") : "?"}   [${elapsed()}]`,
      );
    }
    storage.file = conversationFile?.slice(persistTo.length);
    results.storage = storage;
  }

  // ---- 6. Cost per event on Cloudflare, before and after the cuts (bench/cost.ts) -----------
  if (!ONLY || ONLY.includes("cost")) {
    worker?.kill("SIGKILL");
    await worker?.exited;
    const baseline = process.env.BENCH_COST_BASELINE ?? COST_BASELINE_COMMIT;
    const events = Number(process.env.BENCH_COST_EVENTS ?? 20);
    console.log(`\n6. Cost per event at Cloudflare's published prices: ${events} events of each type, one at a time, every Durable Object class metered; before (commit ${baseline}) and after, in this run\n`);
    results.cost = await costSection({
      emulatorUrl: emulator.url,
      vars,
      tempDir,
      events,
      baseline: baseline === "none" ? null : baseline,
      saturationSeconds: Number(process.env.BENCH_COST_SATURATION_SECONDS ?? 3),
      conversations: 10_000,
      log: (line) => console.log(`${line}   [${elapsed()}]`),
    });
  }

  // ---- 5. Sandbox: a snippet run beside the ceiling, and a workspace's memory ---------------
  if (runs("sandbox")) {
    worker?.kill("SIGKILL");
    await worker?.exited;
    console.log("\n5. Sandbox (src/sandbox): 20 bug-report snippets in fresh isolates, and conversations with a 50-file workspace\n");
    results.sandbox = await benchSandbox({ vars, tempDir, log: (line) => console.log(`${line}   [${elapsed()}]`) });
  }
} finally {
  worker?.kill("SIGKILL");
  await Promise.all(children.map((child) => child.stop()));
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}

/** Pages in use (database + WAL, as a reader sees it) and rows per table, read-only. */
function contents(path: string): { usedBytes: number; rows: Record<string, number> } | undefined {
  try {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const pragma = (name: string) => Number(Object.values(db.prepare(`PRAGMA ${name}`).get() ?? {})[0]);
      const usedBytes = (pragma("page_count") - pragma("freelist_count")) * pragma("page_size");
      const rows: Record<string, number> = {};
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND substr(name, 1, 4) != '_cf_'").all() as { name: string }[];
      for (const { name } of tables) rows[name] = Number((db.prepare(`SELECT COUNT(*) AS n FROM "${name}"`).get() as { n: number }).n);
      return { usedBytes, rows };
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}

function existsDir(path: string) {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
function existsFile(path: string) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

results.totalSeconds = (performance.now() - runStarted) / 1000;
mkdirSync(join(ROOT, "bench/results"), { recursive: true });
if (ONLY) {
  writeFileSync(join(ROOT, "bench/results/partial.json"), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote bench/results/partial.json (BENCH_ONLY=${ONLY.join(",")}); total ${fmt(results.totalSeconds as number)} s`);
} else {
  writeFileSync(join(ROOT, "bench/results/latest.json"), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(ROOT, "bench/results/latest.svg"), chart(results));
  console.log(`\nwrote bench/results/latest.json and latest.svg; total ${fmt(results.totalSeconds as number)} s`);
}
process.exit(0);
