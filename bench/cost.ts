// The cost section of `npm run bench`: what one event of each type costs on Cloudflare, measured
// in real workerd (`wrangler dev`) with every Durable Object class metered (bench/meter.ts), and
// priced at Cloudflare's published Workers Paid and Durable Objects prices.
import { spawnSync } from "node:child_process";
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEV_SLACK } from "../dev/emulator/slack.ts";
import { eventCallback, signSlack } from "../dev/slack-events.ts";
import { ROOT, startWorker, type RunningWorker } from "../dev/workerd.ts";
import { costEvents, EVENT_LABELS, EVENT_TYPES, STARTS_TURN, type EventType } from "./cost-events.ts";
import { prepareMentions } from "./events.ts";
import { closedLoop, type LoadResult, type PreparedRequest } from "./load.ts";
import type { MeterTotals, StatementTotals } from "./meter.ts";
import { cpuMs, parkTurns, processesInGroup } from "./processes.ts";

/**
 * Cloudflare's prices beyond the included usage, per unit (bench/README.md cites the pages):
 * Workers Paid (Standard) and Durable Objects with SQLite storage.
 */
export const PRICES = {
  workerRequest: 0.3 / 1e6,
  workerCpuMs: 0.02 / 1e6,
  doRequest: 0.15 / 1e6,
  /** $12.50 per million GB-s, billed at 128 MB per object whatever it uses. */
  doAwakeSecond: (12.5 / 1e6) * 0.125,
  rowRead: 0.001 / 1e6,
  rowWritten: 1.0 / 1e6,
} as const;

/** One event type's figures, per event. */
export interface EventCost {
  readonly events: number;
  readonly workerRequests: number;
  /** workerd CPU per event above what a no-op request of the same Worker costs. */
  readonly cpuMs: number;
  readonly rawCpuMs: number;
  /** RPC calls on stubs plus alarm invocations. */
  readonly doRequests: number;
  readonly doRequestsByBinding: Record<string, number>;
  readonly alarms: number;
  readonly objectsStarted: number;
  readonly awakeMs: number;
  /** SQL rows read plus KV reads (billed as rows). */
  readonly rowsRead: number;
  /** SQL rows written plus KV writes and setAlarm calls (billed as rows). */
  readonly rowsWritten: number;
  readonly statements: number;
  /** Of the rows written: KV puts and deletes, and setAlarm calls (each billed as a row written). */
  readonly kvWrites: number;
  readonly alarmsSet: number;
  readonly subrequests: number;
  readonly usdPerMillion: number;
  readonly usdPerMillionByTerm: Record<string, number>;
  readonly dominantTerm: string;
  readonly statuses: Record<string, number>;
  /** Where the rows go: the statements that wrote most, per event. */
  readonly topStatements: Record<string, string>;
  /** SQL rows written per event by the agents SDK's statements and by Switchboard's. */
  readonly sqlRowsWrittenBySource: Record<string, number>;
}

export interface CostRun {
  readonly ceilingCpuMs: number;
  readonly idleCpuMsPerSecond: number;
  readonly types: Partial<Record<EventType, EventCost>>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function meter(worker: RunningWorker): Promise<MeterTotals> {
  return (await (await fetch(`${worker.url}/bench/meter`)).json()) as MeterTotals;
}

async function statementTotals(worker: RunningWorker): Promise<Record<string, StatementTotals>> {
  return (await (await fetch(`${worker.url}/bench/meter/statements`)).json()) as Record<string, StatementTotals>;
}

/** Rows written per event by whose statements wrote them: the agents SDK's tables (cf_agents_*) or Switchboard's. */
function writtenBySource(before: Record<string, StatementTotals>, after: Record<string, StatementTotals>, n: number): Record<string, number> {
  const bySource: Record<string, number> = { "agents SDK": 0, Switchboard: 0 };
  for (const [text, t] of Object.entries(after)) {
    const written = (t.rowsWritten - (before[text]?.rowsWritten ?? 0)) / n;
    bySource[/\bcf_agents?_/.test(text) ? "agents SDK" : "Switchboard"]! += written;
  }
  return bySource;
}

/** Per event, the statements that wrote most (then read most), as `rows written / rows read / runs`. */
function topStatements(before: Record<string, StatementTotals>, after: Record<string, StatementTotals>, n: number, limit = Number(process.env.BENCH_COST_STATEMENTS ?? 15)): Record<string, string> {
  const rows = Object.entries(after)
    .map(([text, t]) => {
      const b = before[text] ?? { runs: 0, rowsRead: 0, rowsWritten: 0, failed: 0 };
      return { text, runs: (t.runs - b.runs) / n, failed: ((t.failed ?? 0) - (b.failed ?? 0)) / n, read: (t.rowsRead - b.rowsRead) / n, written: (t.rowsWritten - b.rowsWritten) / n };
    })
    .filter((row) => row.runs > 0)
    .sort((a, b) => b.written - a.written || b.read - a.read);
  return Object.fromEntries(
    rows.slice(0, limit).map((row) => [row.text, `w ${+row.written.toFixed(2)} / r ${+row.read.toFixed(2)} / runs ${+row.runs.toFixed(2)}${row.failed ? ` (${+row.failed.toFixed(2)} failed)` : ""}`]),
  );
}

async function emulatorCalls(emulatorUrl: string, since: number): Promise<{ count: number; last: number }> {
  const calls = (await (await fetch(`${emulatorUrl}/_emulator/calls?since=${since}`)).json()) as { seq: number }[];
  return { count: calls.length, last: calls.reduce((max, call) => Math.max(max, call.seq), since) };
}

function workerdCpu(worker: RunningWorker): number {
  return processesInGroup(worker.process.pid!, "workerd").reduce((sum, pid) => sum + cpuMs(pid), 0);
}

const total = (record: Record<string, number>) => Object.values(record).reduce((sum, n) => sum + n, 0);

/**
 * Waits until nothing changes any more: no statement, request, alarm or platform call for
 * `quietMs` (longer than the keep-alive beat of a running turn), at most `boundMs`.
 */
async function settle(worker: RunningWorker, emulatorUrl: string, since: number, quietMs = 3000, boundMs = 60_000) {
  const started = Date.now();
  let last = JSON.stringify(await meter(worker)) + (await emulatorCalls(emulatorUrl, since)).count;
  let quietSince = Date.now();
  while (Date.now() - quietSince < quietMs && Date.now() - started < boundMs) {
    await sleep(250);
    const now = JSON.stringify(await meter(worker)) + (await emulatorCalls(emulatorUrl, since)).count;
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    }
  }
}

function price(per: Omit<EventCost, "usdPerMillion" | "usdPerMillionByTerm" | "dominantTerm">): Pick<EventCost, "usdPerMillion" | "usdPerMillionByTerm" | "dominantTerm"> {
  const terms: Record<string, number> = {
    "Worker requests": per.workerRequests * PRICES.workerRequest * 1e6,
    "Worker CPU": Math.max(0, per.cpuMs) * PRICES.workerCpuMs * 1e6,
    "DO requests": per.doRequests * PRICES.doRequest * 1e6,
    "DO duration": (per.awakeMs / 1000) * PRICES.doAwakeSecond * 1e6,
    "rows read": per.rowsRead * PRICES.rowRead * 1e6,
    "rows written": per.rowsWritten * PRICES.rowWritten * 1e6,
  };
  const usdPerMillion = Object.values(terms).reduce((sum, n) => sum + n, 0);
  const dominantTerm = Object.entries(terms).sort((a, b) => b[1] - a[1])[0]![0];
  return { usdPerMillion, usdPerMillionByTerm: terms, dominantTerm };
}

/** Every event type against one running Worker (started from the cost entry). */
export async function measureCosts(worker: RunningWorker, emulatorUrl: string, prefix: string, count: number, types: readonly EventType[] = EVENT_TYPES): Promise<CostRun> {
  const events = costEvents(emulatorUrl, prefix);
  // Warm-up, not counted: the first requests compile the bundle and create the agents' tables;
  // and the places measured below get their participation index now, as a Worker that has
  // run for a while has (a conversation that began before its place's index is left to its
  // own object).
  const warm = costEvents(emulatorUrl, `${prefix}W`);
  for (const next of [warm.slackMentionNewThread, warm.githubIssueOpened, events.slackMessageUnjoinedThread, events.githubCommentUnmentionedBusyIssue]) {
    await closedLoop(worker.url, singleList([await next()]), 1, 30);
  }
  const indexed = performance.now();
  await settle(worker, emulatorUrl, (await emulatorCalls(emulatorUrl, 0)).last);

  // What the runtime costs doing nothing (the meter's own polling included), and a no-op request.
  const idleStart = workerdCpu(worker);
  const idleStarted = performance.now();
  await settle(worker, emulatorUrl, (await emulatorCalls(emulatorUrl, 0)).last, 3000, 3000);
  const idleCpuMsPerSecond = (workerdCpu(worker) - idleStart) / ((performance.now() - idleStarted) / 1000);
  const ceilingRequests: PreparedRequest[] = Array.from({ length: 200 }, () => ({ path: "/bench/ceiling", headers: { "content-type": "application/json" }, body: "{}" }));
  const ceilingStart = workerdCpu(worker);
  await closedLoop(worker.url, singleList(ceilingRequests), 4, 30);
  const ceilingCpuMs = (workerdCpu(worker) - ceilingStart) / ceilingRequests.length;

  // Past the index's clock margin (src/runtime/participation.ts), so threads started from now on are its to decide.
  await sleep(Math.max(0, indexed + 12_500 - performance.now()));
  const measured: Partial<Record<EventType, EventCost>> = {};
  for (const type of types) {
    for (let attempt = 1; ; attempt++) {
      const cost = await measureType(type);
      if (cost) {
        measured[type] = cost;
        break;
      }
      // wrangler reloaded the Worker mid-measurement (a source file changed): the meter restarted.
      if (attempt === 3) throw new Error(`the Worker restarted during each of 3 attempts to measure ${type}`);
    }
  }
  return { ceilingCpuMs, idleCpuMsPerSecond, types: measured };

  async function measureType(type: EventType): Promise<EventCost | undefined> {
    const prepared: PreparedRequest[] = [];
    for (let i = 0; i < count; i++) prepared.push(await events[type]());
    const since = (await emulatorCalls(emulatorUrl, 0)).last;
    const statementsBefore = await statementTotals(worker);
    const before = await meter(worker);
    const cpuBefore = workerdCpu(worker);
    const started = performance.now();
    // One at a time: the figures are per event, and no event waits on another's turn.
    const load = await closedLoop(worker.url, singleList(prepared), 1, 120);
    await settle(worker, emulatorUrl, since, STARTS_TURN[type] ? 3000 : 1500);
    const seconds = (performance.now() - started) / 1000;
    const rawCpu = workerdCpu(worker) - cpuBefore - idleCpuMsPerSecond * seconds;
    const after = await meter(worker);
    if (after.isolate !== before.isolate) return undefined;
    const calls = await emulatorCalls(emulatorUrl, since);
    const n = prepared.length;
    const statementsAfter = await statementTotals(worker);
    const per = {
      events: n,
      workerRequests: 1,
      rawCpuMs: rawCpu / n,
      cpuMs: rawCpu / n - ceilingCpuMs,
      doRequests: (total(after.doRequests) - total(before.doRequests) + total(after.alarms) - total(before.alarms)) / n,
      doRequestsByBinding: Object.fromEntries(
        [...new Set([...Object.keys(after.doRequests), ...Object.keys(after.alarms).map((c) => `${c} alarms`)])].map((key) => [
          key,
          key.endsWith(" alarms")
            ? ((after.alarms[key.slice(0, -7)] ?? 0) - (before.alarms[key.slice(0, -7)] ?? 0)) / n
            : ((after.doRequests[key] ?? 0) - (before.doRequests[key] ?? 0)) / n,
        ]).filter(([, value]) => value !== 0),
      ),
      alarms: (total(after.alarms) - total(before.alarms)) / n,
      objectsStarted: (total(after.objectsStarted) - total(before.objectsStarted)) / n,
      awakeMs: (after.awakeMs - before.awakeMs) / n,
      rowsRead: (after.rowsRead - before.rowsRead + after.kvReads - before.kvReads) / n,
      rowsWritten: (after.rowsWritten - before.rowsWritten + after.kvWrites - before.kvWrites + after.alarmsSet - before.alarmsSet) / n,
      statements: (after.statements - before.statements) / n,
      kvWrites: (after.kvWrites - before.kvWrites) / n,
      alarmsSet: (after.alarmsSet - before.alarmsSet) / n,
      subrequests: calls.count / n,
      statuses: load.statuses,
      topStatements: topStatements(statementsBefore, statementsAfter, n),
      sqlRowsWrittenBySource: writtenBySource(statementsBefore, statementsAfter, n),
    };
    return { ...per, ...price(per) };
  }
}

function singleList<T>(items: T[]): () => T | undefined {
  let i = 0;
  return () => items[i++];
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "—");

/** The table `npm run bench` prints, one row per event type. */
export function costTable(run: CostRun, title: string): string {
  const lines = [
    title,
    `  ${"event type".padEnd(64)} ${"W req".padStart(5)} ${"CPU ms".padStart(6)} ${"DO req".padStart(6)} ${"awake ms".padStart(8)} ${"rows r".padStart(7)} ${"rows w".padStart(6)} ${"(SDK)".padStart(6)} ${"subreq".padStart(6)} ${"$/M ev".padStart(7)}  dominant term`,
  ];
  for (const [type, cost] of Object.entries(run.types) as [EventType, EventCost][]) {
    lines.push(
      `  ${EVENT_LABELS[type].padEnd(64)} ${fmt(cost.workerRequests, 0).padStart(5)} ${fmt(cost.cpuMs).padStart(6)} ${fmt(cost.doRequests, 2).padStart(6)} ${fmt(cost.awakeMs, 0).padStart(8)} ${fmt(cost.rowsRead, 1).padStart(7)} ${fmt(cost.rowsWritten, 1).padStart(6)} ${fmt(cost.sqlRowsWrittenBySource["agents SDK"] ?? 0, 1).padStart(6)} ${fmt(cost.subrequests, 1).padStart(6)} ${fmt(cost.usdPerMillion, 2).padStart(7)}  ${cost.dominantTerm} ($${fmt(cost.usdPerMillionByTerm[cost.dominantTerm]!, 2)})`,
    );
  }
  lines.push(
    `  (CPU ms: workerd CPU per event less a no-op request's ${fmt(run.ceilingCpuMs, 2)} ms, idle runtime ${fmt(run.idleCpuMsPerSecond, 1)} ms/s subtracted; ` +
      `rows written include KV writes and setAlarm calls; (SDK): of them, the agents SDK's statements)`,
  );
  return lines.join("\n");
}


// ---- The section: the current tree against a baseline, in one run ------------------------------

/** The commit the cuts of issue 21 started from: the "before" of every before/after figure. */
export const COST_BASELINE_COMMIT = "c5b1747";

/** Each class's RPC methods the measured events reach (they keep the object awake while they run). */
const METERED_METHODS: Record<string, readonly string[]> = {
  ConversationAgent: ["accept", "addFollower"],
  UsageLedger: ["charge", "totals"],
  Installation: ["summary", "credentials"],
  ParticipationIndex: ["hears", "list"],
};

/**
 * A Worker entry for `tree` (this checkout or the baseline's): its benchmark Worker with every
 * Durable Object class wrangler.toml binds metered (bench/meter.ts), and the meter's routes. It is
 * written outside the tree, importing by absolute path, so one meter serves both trees.
 */
function costEntry(tree: string, directory: string, benchModule = "bench/worker.ts"): string {
  const toml = readFileSync(join(tree, "wrangler.toml"), "utf8");
  const classes = [...new Set([...toml.matchAll(/^class_name\s*=\s*"([A-Za-z0-9_]+)"/gm)].map((match) => match[1]!))];
  const lines = [
    // bench/worker-sdk-fresh.ts (a variant of it) patches the agents SDK's prototype on import, which the classes below share.
    `import benchWorker from ${JSON.stringify(join(tree, benchModule))};`,
    `import * as production from ${JSON.stringify(join(tree, "src/worker.ts"))};`,
    `import { metered, meteredEnv, snapshot, statements } from ${JSON.stringify(join(ROOT, "bench/meter.ts"))};`,
    ...classes.map((name) => `export const ${name} = metered(${JSON.stringify(name)}, production.${name}, ${JSON.stringify(METERED_METHODS[name] ?? [])});`),
    `export default {`,
    `  fetch(request, env, ctx) {`,
    `    const { pathname } = new URL(request.url);`,
    `    if (pathname === "/bench/meter") return Response.json(snapshot());`,
    `    if (pathname === "/bench/meter/statements") return Response.json(statements());`,
    `    return benchWorker.fetch(request, meteredEnv(env), ctx);`,
    `  },`,
    `};`,
  ];
  const entry = join(directory, "cost-entry.js");
  writeFileSync(entry, `${lines.join("\n")}\n`);
  return entry;
}

/** The baseline commit's files, with this checkout's node_modules; nothing in .git changes. */
function extractTree(commit: string, directory: string): string {
  const archive = spawnSync("git", ["archive", "--format=tar", commit], { cwd: ROOT, maxBuffer: 1 << 30 });
  if (archive.status !== 0) throw new Error(`git archive ${commit}: ${archive.stderr.toString()}`);
  const untar = spawnSync("tar", ["-x", "-C", directory], { input: archive.stdout });
  if (untar.status !== 0) throw new Error(`tar: ${untar.stderr.toString()}`);
  symlinkSync(join(ROOT, "node_modules"), join(directory, "node_modules"));
  return directory;
}

export interface MixedSaturation {
  readonly conversations: number;
  readonly connections: number;
  readonly ceiling: LoadResult;
  readonly ours: LoadResult;
  readonly oursOverCeiling: number;
  /** The same load while every turn waits on Slack: the accepts without their turns on the one thread. */
  readonly turnsParked: LoadResult;
  readonly turnsParkedOverCeiling: number;
  readonly repliesMissing: number;
  /** The same mix against the floor and against ours with the agents SDK's fresh-object set-up cut, in rounds (this checkout only). */
  readonly comparison?: SaturationComparison;
}

/** The systems compared under the same mix, each in its own workerd on fresh storage. */
export const COMPARED_SYSTEMS = {
  floor: "floor: verify and parse; a reply in a thread answered at the ingress; a mention creates its conversation's object by name and writes one row before the 200 (bench/floor-worker.ts)",
  floorWithIndex: "floor, each reply in a thread first asking its channel's index object (one request, one row read), as ours asks its participation index",
  floorWithTurn: "floor, and each mention's least turn: an alarm set with its row, one chat.postMessage after the 200, the row marked replied, the alarm deleted",
  sdkUsedOnly: "ours, the agents SDK's set-up cut in full: tables in their final shape, no ALTER TABLE, no tables for capabilities never used (bench/worker-sdk-fresh.ts, used-only)",
  sdkUsedOnlyParked: "the same, turns parked",
  sdkFinalShape: "ours, the agents SDK's tables created in their final shape, no ALTER TABLE (bench/worker-sdk-fresh.ts, final-shape)",
  sdkFinalShapeParked: "the same, turns parked",
  ours: "ours (bench/worker.ts), turns running",
  oursParked: "ours, turns parked",
} as const;
export type ComparedSystem = keyof typeof COMPARED_SYSTEMS;

/**
 * One round: every system under the same mix, each right after a reading of the ceiling (the main
 * Worker's no-op route), its ratio to that reading.
 */
export interface SaturationRound {
  readonly systems: Record<
    ComparedSystem,
    Measured & {
      readonly ceiling: LoadResult & { readonly cpuMsPerEvent: number };
      readonly overCeiling: number;
      /** The ceiling's workerd CPU per event over the system's (turns included): the ratio a core of its own would allow. */
      readonly cpuOverCeiling: number;
    }
  >;
}

/** One system's load: its throughput, and its workerd's CPU per answered event (idle rate subtracted). */
export interface Measured {
  readonly load: LoadResult;
  /** Over the load alone. */
  readonly cpuMsPerEvent: number;
  /** Over the load and the turns it started, until their replies are in (the same as above where no turn runs). */
  readonly cpuMsPerEventWithTurns: number;
  readonly repliesMissing?: number;
}

export interface SaturationComparison {
  readonly conversations: number;
  readonly connections: number;
  /** Events per batch (half mentions); each batch's mentions go to conversations no earlier batch of that Worker used. */
  readonly eventsPerBatch: number;
  readonly rounds: SaturationRound[];
  /** Per system, the median over the rounds: ev/s and the ratio to the ceiling read just before it; the ceiling's median over every reading. */
  readonly median: Record<ComparedSystem, { readonly evPerSecond: number; readonly overCeiling: number; readonly cpuMsPerEvent: number; readonly cpuMsPerEventWithTurns: number; readonly cpuOverCeiling: number }> & {
    readonly ceiling: { readonly evPerSecond: number; readonly cpuMsPerEvent: number };
  };
  readonly systems: typeof COMPARED_SYSTEMS;
}

/**
 * The mixed saturation point's events: `chatter(i, startedAt)` is a reply in a thread two people
 * started, which concerns no bot; `batch(offset, count)` alternates mentions over `conversations`
 * threads (from `offset` on) with such replies, in the channels `C<prefix>MXnn`.
 */
function mixedEvents(prefix: string, conversations: number) {
  const workspace = { teamId: DEV_SLACK.teamId, appId: DEV_SLACK.appId, botUserId: DEV_SLACK.botUserId };
  /** A reply in a thread two people started at `startedAt` (seconds), in one of the same 50 channels. */
  const chatter = async (i: number, startedAt: number): Promise<PreparedRequest> => {
    const channel = `C${prefix}MX${String(i % 50).padStart(2, "0")}`;
    const envelope = eventCallback(workspace, {
      type: "message",
      channel,
      channel_type: "channel",
      user: "U0HUMAN002",
      text: "+1, same here",
      thread_ts: `${startedAt}.${String(2 * i).padStart(6, "0")}`,
      ts: `${startedAt}.${String(2 * i + 1).padStart(6, "0")}`,
      parent_user_id: "U0HUMAN001",
    });
    const body = JSON.stringify(envelope);
    return { path: "/webhooks/slack/events", headers: { "content-type": "application/json", ...(await signSlack(body, DEV_SLACK.signingSecret)) }, body };
  };
  /** Mentions and chatter, alternating: `count` events, the mentions from `offset` on. */
  const batch = async (offset: number, count: number): Promise<PreparedRequest[]> => {
    const mentions = await prepareMentions({ count: count / 2, conversations, secret: DEV_SLACK.signingSecret, offset, channelPrefix: `${prefix}MX` });
    const startedAt = Math.floor(Date.now() / 1000);
    const mixed: PreparedRequest[] = [];
    for (let i = 0; i < mentions.length; i++) mixed.push(mentions[i]!, await chatter(i, startedAt));
    return mixed;
  };
  return { chatter, batch };
}

/**
 * A busy workspace at saturation: half the events are mentions spread over `conversations`
 * threads (nearly every one a new conversation), half are replies in threads the bot never
 * joined, against the same requests sent to the ceiling route; once with the turns running beside
 * the accepts, once with them parked (their first Slack call held), as the ack section does.
 */
async function mixedSaturation(worker: RunningWorker, emulatorUrl: string, prefix: string, conversations: number, seconds: number): Promise<MixedSaturation> {
  const connections = 32;
  const { chatter, batch } = mixedEvents(prefix, conversations);
  const drain = (before: number, run: LoadResult) => drainReplies(emulatorUrl, prefix, before, run);
  // Each channel's participation index begins keeping count now, as a running Worker's has; the
  // threads measured start after its clock margin.
  const priming: PreparedRequest[] = [];
  for (let i = 0; i < 50; i++) priming.push(await chatter(i, Math.floor(Date.now() / 1000)));
  await closedLoop(worker.url, singleList(priming), 4, 30);
  await sleep(12_500);
  const count = 6000;
  const load = await batch(70_000_000, count);
  const ceiling = await closedLoop(worker.url, singleList(load.map((r) => ({ ...r, path: "/bench/ceiling" }))), connections, seconds);
  let before = await replyCount(emulatorUrl, `C${prefix}MX`);
  const ours = await closedLoop(worker.url, singleList(load), connections, seconds);
  let repliesMissing = await drain(before, ours);
  // Other conversations than the first load's: each mention a new one again.
  const parkedLoad = await batch(70_005_000, count);
  await parkTurns(emulatorUrl, seconds * 1000 + 2000, count);
  before = await replyCount(emulatorUrl, `C${prefix}MX`);
  const turnsParked = await closedLoop(worker.url, singleList(parkedLoad), connections, seconds);
  await fetch(`${emulatorUrl}/_emulator/faults`, { method: "DELETE" });
  repliesMissing += await drain(before, turnsParked);
  return {
    conversations,
    connections,
    ceiling,
    ours,
    oursOverCeiling: ours.throughput / ceiling.throughput,
    turnsParked,
    turnsParkedOverCeiling: turnsParked.throughput / ceiling.throughput,
    repliesMissing,
  };
}

/** The floor's wrangler config, written outside the tree: its two SQLite-backed classes, bound as FLOOR and FLOOR_INDEX. */
function floorConfig(directory: string): string {
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1] ?? "2026-10-01";
  const flags = /^compatibility_flags\s*=\s*(\[[^\]]*\])/m.exec(toml)?.[1] ?? "[]";
  const config = join(directory, "wrangler.toml");
  writeFileSync(
    config,
    [
      `name = "switchboard-bench-floor"`,
      `main = ${JSON.stringify(join(ROOT, "bench/floor-worker.ts"))}`,
      `compatibility_date = "${date}"`,
      `compatibility_flags = ${flags}`,
      ``,
      `[[durable_objects.bindings]]`,
      `name = "FLOOR"`,
      `class_name = "FloorConversation"`,
      ``,
      `[[durable_objects.bindings]]`,
      `name = "FLOOR_INDEX"`,
      `class_name = "FloorIndex"`,
      ``,
      `[[migrations]]`,
      `tag = "v1"`,
      `new_sqlite_classes = ["FloorConversation", "FloorIndex"]`,
      ``,
    ].join("\n"),
  );
  return config;
}

/** Waits until every accepted mention of `run` has its reply in `C<prefix>MX…`, at most a minute; the replies still missing. */
async function drainReplies(emulatorUrl: string, prefix: string, before: number, run: LoadResult): Promise<number> {
  const accepted = run.statuses["200"] ?? 0;
  const started = Date.now();
  let replies = before;
  while (replies - before < accepted && Date.now() - started < 60_000) {
    await sleep(250);
    replies = await replyCount(emulatorUrl, `C${prefix}MX`);
  }
  return Math.max(0, accepted - (replies - before));
}

/**
 * The floor and the SDK variants against ours, under the same mix as `mixedSaturation`: four
 * Workers started side by side (ours, the floor, ours with the SDK's set-up cut two ways), then
 * `rounds` rounds, each measuring every system once right after a reading of the ceiling, the
 * order rotated each round. The machine is shared: each ratio is to the ceiling read just before,
 * and the medians over the rounds are the figures.
 */
async function saturationComparison(options: {
  emulatorUrl: string;
  vars: Record<string, string>;
  tempDir: (name: string) => string;
  prefix: string;
  conversations: number;
  seconds: number;
  rounds: number;
  log: (line: string) => void;
}): Promise<SaturationComparison> {
  const { emulatorUrl, vars, tempDir, prefix, conversations, seconds } = options;
  const connections = 32;
  const eventsPerBatch = 2000;
  const workers: RunningWorker[] = [];
  try {
    const start = async (name: string, extra: Record<string, string>, entry: string, config?: string) => {
      for (let attempt = 1; ; attempt++) {
        try {
          const worker = await startWorker({ vars: { ...vars, ...extra }, persistTo: tempDir(`cmp-${name}-${prefix}`), entry, ...(config ? { config } : {}) });
          workers.push(worker);
          return worker;
        } catch (error) {
          // The free port startWorker picked was taken before wrangler bound it (others run on this machine too): once more.
          if (attempt === 3 || !String(error).includes("Address already in use")) throw error;
        }
      }
    };
    const main = await start("ours", {}, join(ROOT, "bench/worker.ts"));
    const floor = await start("floor", {}, join(ROOT, "bench/floor-worker.ts"), floorConfig(tempDir(`cmp-floor-config-${prefix}`)));
    const finalShape = await start("final-shape", { BENCH_SDK_SCHEMA: "final-shape" }, join(ROOT, "bench/worker-sdk-fresh.ts"));
    const usedOnly = await start("used-only", { BENCH_SDK_SCHEMA: "used-only" }, join(ROOT, "bench/worker-sdk-fresh.ts"));
    const products = { ours: { worker: main, channels: `${prefix}C` }, sdkFinalShape: { worker: finalShape, channels: `${prefix}F` }, sdkUsedOnly: { worker: usedOnly, channels: `${prefix}U` } };
    // Each channel's participation index begins keeping count now; the threads measured start after its clock margin.
    for (const { worker, channels } of Object.values(products)) {
      const { chatter } = mixedEvents(channels, conversations);
      const priming: PreparedRequest[] = [];
      for (let i = 0; i < 50; i++) priming.push(await chatter(i, Math.floor(Date.now() / 1000)));
      await closedLoop(worker.url, singleList(priming), 4, 30);
    }
    // The runtime's own CPU doing nothing, per Worker process, read over the index's clock margin (subtracted below).
    await sleep(2_500);
    const idleFrom = workers.map((worker) => workerdCpu(worker));
    const idleStarted = performance.now();
    await sleep(10_000);
    const idleMsPerSecond = new Map(workers.map((worker, i) => [worker, Math.max(0, (workerdCpu(worker) - idleFrom[i]!) / ((performance.now() - idleStarted) / 1000))]));
    /** `run`, and the Worker's workerd CPU over it less its idle rate, in ms. */
    const cpuOf = async <T>(worker: RunningWorker, run: () => Promise<T>): Promise<{ value: T; cpuMs: number }> => {
      const cpu = workerdCpu(worker);
      const started = performance.now();
      const value = await run();
      return { value, cpuMs: workerdCpu(worker) - cpu - idleMsPerSecond.get(worker)! * ((performance.now() - started) / 1000) };
    };
    // Per Worker, the batches used so far: each batch's mentions go to conversations none before used (fresh objects).
    const used = new Map<RunningWorker, number>();
    const batchFor = async (worker: RunningWorker, channels: string) => {
      const n = used.get(worker) ?? 0;
      used.set(worker, n + 1);
      if ((n + 1) * (eventsPerBatch / 2) > conversations) throw new Error("more batches than conversations: raise conversations or lower the rounds");
      return mixedEvents(channels, conversations).batch(70_000_000 + n * (eventsPerBatch / 2), eventsPerBatch);
    };
    const ceilingLoad = (await mixedEvents(`${prefix}C`, conversations).batch(70_000_000, 6000)).map((r) => ({ ...r, path: "/bench/ceiling" }));
    const ceiling = async () => {
      const { value, cpuMs } = await cpuOf(main, () => closedLoop(main.url, singleList(ceilingLoad), connections, seconds));
      return { ...value, cpuMsPerEvent: cpuMs / Math.max(1, value.ok) };
    };
    /**
     * One system's load; CPU per event over the load alone, and over the load and the turns it
     * started until their replies are in (for a parked load, its turns run in that tail).
     */
    const measureLoad = async (worker: RunningWorker, channels: string, load: PreparedRequest[], options: { parked?: boolean; turns: boolean }): Promise<Measured> => {
      if (options.parked) await parkTurns(emulatorUrl, seconds * 1000 + 2000, load.length);
      const before = await replyCount(emulatorUrl, `C${channels}MX`);
      const withTurns = await cpuOf(worker, async () => {
        const alone = await cpuOf(worker, () => closedLoop(worker.url, singleList(load), connections, seconds));
        if (options.parked) await fetch(`${emulatorUrl}/_emulator/faults`, { method: "DELETE" });
        return { alone, repliesMissing: options.turns ? await drainReplies(emulatorUrl, channels, before, alone.value) : undefined };
      });
      const { alone, repliesMissing } = withTurns.value;
      const n = Math.max(1, alone.value.ok);
      return { load: alone.value, cpuMsPerEvent: alone.cpuMs / n, cpuMsPerEventWithTurns: withTurns.cpuMs / n, ...(repliesMissing === undefined ? {} : { repliesMissing }) };
    };
    const product = (system: keyof typeof products, parked: boolean) => async () => {
      const { worker, channels } = products[system];
      return measureLoad(worker, channels, await batchFor(worker, channels), { parked, turns: true });
    };
    const floorRun = (query: "" | "?index=1" | "?turn=1") => async () => {
      const load = (await batchFor(floor, `${prefix}L`)).map((r) => ({ ...r, path: `${r.path}${query}` }));
      return measureLoad(floor, `${prefix}L`, load, { turns: query === "?turn=1" });
    };
    const steps: [ComparedSystem, () => Promise<Measured>][] = [
      ["ours", product("ours", false)],
      ["oursParked", product("ours", true)],
      ["floor", floorRun("")],
      ["floorWithIndex", floorRun("?index=1")],
      ["floorWithTurn", floorRun("?turn=1")],
      ["sdkFinalShape", product("sdkFinalShape", false)],
      ["sdkFinalShapeParked", product("sdkFinalShape", true)],
      ["sdkUsedOnly", product("sdkUsedOnly", false)],
      ["sdkUsedOnlyParked", product("sdkUsedOnly", true)],
    ];
    const rounds: SaturationRound[] = [];
    for (let r = 0; r < options.rounds; r++) {
      const systems: Partial<SaturationRound["systems"]> = {};
      for (let i = 0; i < steps.length; i++) {
        // Rotated by three each round, so no system always runs first or last.
        const [system, run] = steps[(i + 3 * r) % steps.length]!;
        // The machine is shared and its load comes and goes: each system is compared with a ceiling read just before it.
        const before = await ceiling();
        const m = await run();
        systems[system] = { ceiling: before, ...m, overCeiling: m.load.throughput / before.throughput, cpuOverCeiling: before.cpuMsPerEvent / m.cpuMsPerEventWithTurns };
      }
      rounds.push({ systems: systems as SaturationRound["systems"] });
      options.log(
        `  round ${r + 1}: ` +
          (Object.keys(COMPARED_SYSTEMS) as ComparedSystem[])
            .map((system) => {
              const x = systems[system]!;
              return `${system} ${fmt(x.load.throughput)} / ceiling ${fmt(x.ceiling.throughput)} = ${fmt(x.overCeiling, 2)}× (CPU ${fmt(x.cpuMsPerEventWithTurns, 2)} / ${fmt(x.ceiling.cpuMsPerEvent, 2)} ms/ev = ${fmt(x.cpuOverCeiling, 2)}×)${x.load.errors ? `, ${x.load.errors} non-2xx` : ""}${x.repliesMissing ? `, ${x.repliesMissing} replies missing` : ""}`;
            })
            .join("; "),
      );
    }
    const median = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const mid = Math.floor(sorted.length / 2);
      return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    };
    return {
      conversations,
      connections,
      eventsPerBatch,
      rounds,
      median: {
        ...(Object.fromEntries(
          (Object.keys(COMPARED_SYSTEMS) as ComparedSystem[]).map((system) => {
            const of = (pick: (x: SaturationRound["systems"][ComparedSystem]) => number) => median(rounds.map((round) => pick(round.systems[system])));
            return [
              system,
              {
                evPerSecond: of((x) => x.load.throughput),
                overCeiling: of((x) => x.overCeiling),
                cpuMsPerEvent: of((x) => x.cpuMsPerEvent),
                cpuMsPerEventWithTurns: of((x) => x.cpuMsPerEventWithTurns),
                cpuOverCeiling: of((x) => x.cpuOverCeiling),
              },
            ];
          }),
        ) as unknown as Record<ComparedSystem, SaturationComparison["median"]["ours"]>),
        ceiling: {
          evPerSecond: median(rounds.flatMap((round) => Object.values(round.systems).map((x) => x.ceiling.throughput))),
          cpuMsPerEvent: median(rounds.flatMap((round) => Object.values(round.systems).map((x) => x.ceiling.cpuMsPerEvent))),
        },
      },
      systems: COMPARED_SYSTEMS,
    };
  } finally {
    for (const worker of workers) worker.kill("SIGKILL");
    await Promise.all(workers.map((worker) => worker.exited));
  }
}

async function replyCount(emulatorUrl: string, channelPrefix: string): Promise<number> {
  return ((await (await fetch(`${emulatorUrl}/_bench/count?channel=${channelPrefix}`)).json()) as { matching: number }).matching;
}

/**
 * What results.cost holds: `cost.<eventType>` is this checkout's figures per event (with
 * workerRequests, cpuMs, doRequests, rowsRead, rowsWritten, subrequests and usdPerMillion among
 * them), `cost.before.<eventType>` the baseline's from the same run.
 */
export type CostSection = Partial<Record<EventType, EventCost>> & {
  readonly baselineCommit: string | null;
  readonly before: Partial<Record<EventType, EventCost>> | null;
  readonly run: Omit<CostRun, "types">;
  readonly mixedSaturation?: MixedSaturation;
  readonly mixedSaturationBefore?: MixedSaturation;
  /** Per event, ours with the agents SDK's fresh-object set-up cut (bench/worker-sdk-fresh.ts), by mode. */
  readonly sdkSetupCut?: Record<string, Partial<Record<EventType, EventCost>>>;
  readonly prices: typeof PRICES;
};

/**
 * `npm run bench`'s cost section: every event type against the baseline commit's Worker, then
 * against this checkout's, each started from a metered entry on fresh storage; then the mixed
 * saturation point against each, unmetered.
 */
export async function costSection(options: {
  emulatorUrl: string;
  vars: Record<string, string>;
  tempDir: (name: string) => string;
  events: number;
  baseline: string | null;
  saturationSeconds: number;
  conversations: number;
  /** Rounds of the floor / SDK-variant comparison (0: none; default BENCH_COST_ROUNDS, else 3). */
  rounds?: number;
  log: (line: string) => void;
}): Promise<CostSection> {
  const { emulatorUrl, vars, tempDir, events, log } = options;
  const rounds = options.rounds ?? Number(process.env.BENCH_COST_ROUNDS ?? 3);
  const sdkCosts: Record<string, Partial<Record<EventType, EventCost>>> = {};
  const measure = async (tree: string, prefix: string, label: string) => {
    let worker = await startWorker({ vars, persistTo: tempDir(`cost-${prefix}`), entry: costEntry(tree, tempDir(`cost-entry-${prefix}`)), config: join(tree, "wrangler.toml") });
    try {
      const run = await measureCosts(worker, emulatorUrl, prefix, events);
      log(costTable(run, label));
      worker.kill("SIGKILL");
      await worker.exited;
      let mixed: MixedSaturation | undefined;
      if (options.saturationSeconds > 0) {
        worker = await startWorker({ vars, persistTo: tempDir(`mix-${prefix}`), entry: join(tree, "bench/worker.ts"), config: join(tree, "wrangler.toml") });
        mixed = await mixedSaturation(worker, emulatorUrl, prefix, options.conversations, options.saturationSeconds);
        log(
          `  saturation, ${mixed.conversations.toLocaleString("en")} conversations, half the events replies in threads the bot never joined (${mixed.connections} in flight): ` +
            `ceiling ${fmt(mixed.ceiling.throughput)} ev/s; ours ${fmt(mixed.ours.throughput)} ev/s (p99 ${fmt(mixed.ours.p99, 0)} ms) = ${fmt(mixed.oursOverCeiling, 2)}× the ceiling; ` +
            `turns parked ${fmt(mixed.turnsParked.throughput)} ev/s = ${fmt(mixed.turnsParkedOverCeiling, 2)}×` +
            `${mixed.ours.errors + mixed.turnsParked.errors ? `, ${mixed.ours.errors + mixed.turnsParked.errors} non-2xx` : ""}${mixed.repliesMissing ? `, ${mixed.repliesMissing} replies missing` : ""}`,
        );
        if (tree === ROOT && rounds > 0) {
          worker.kill("SIGKILL");
          await worker.exited;
          log(
            `  saturation, 10,000 conversations, the floor and the agents SDK's set-up cut against ours: ` +
              `${rounds} rounds, each system once per round right after a reading of the ceiling`,
          );
          const comparison = await saturationComparison({ emulatorUrl, vars, tempDir, prefix, conversations: options.conversations, seconds: options.saturationSeconds, rounds, log });
          mixed = { ...mixed, comparison };
          log(comparisonLines(comparison));
          // What each SDK variant changes per event, metered like the table above: a new conversation's mention, and a fresh object that ignores its event.
          for (const [mode, tag] of [["final-shape", "F"], ["used-only", "U"]] as const) {
            worker.kill("SIGKILL");
            await worker.exited;
            const directory = tempDir(`cost-entry-sdk-${mode}-${prefix}`);
            worker = await startWorker({ vars: { ...vars, BENCH_SDK_SCHEMA: mode }, persistTo: tempDir(`cost-sdk-${mode}-${prefix}`), entry: costEntry(tree, directory, "bench/worker-sdk-fresh.ts"), config: join(tree, "wrangler.toml") });
            const variantRun = await measureCosts(worker, emulatorUrl, `${prefix}S${tag}`, events, ["slackMentionNewThread", "githubCommentUnmentionedOldIssue"]);
            log(costTable(variantRun, `\n  ours, the agents SDK's set-up cut (${mode}), metered`));
            sdkCosts[mode] = variantRun.types;
          }
        }
      }
      return { run, mixed };
    } finally {
      worker.kill("SIGKILL");
      await worker.exited;
    }
  };
  const before = options.baseline ? await measure(extractTree(options.baseline, tempDir("cost-baseline")), "B", `\n  before: commit ${options.baseline} (the baseline)`) : null;
  const after = await measure(ROOT, "A", `\n  after: this checkout`);
  if (before) log(comparison(before.run, after.run));
  const { types, ...run } = after.run;
  return {
    ...types,
    baselineCommit: before ? options.baseline : null,
    before: before ? before.run.types : null,
    run,
    ...(after.mixed ? { mixedSaturation: after.mixed } : {}),
    ...(before?.mixed ? { mixedSaturationBefore: before.mixed } : {}),
    ...(Object.keys(sdkCosts).length ? { sdkSetupCut: sdkCosts } : {}),
    prices: PRICES,
  };
}

/** The comparison's medians, one line per system. */
function comparisonLines(comparison: SaturationComparison): string {
  const lines = [
    `  medians over ${comparison.rounds.length} rounds (ceiling, median of every reading: ${fmt(comparison.median.ceiling.evPerSecond)} ev/s, ${fmt(comparison.median.ceiling.cpuMsPerEvent, 2)} ms of workerd CPU per event; each ratio is to the reading just before):`,
  ];
  for (const system of Object.keys(COMPARED_SYSTEMS) as ComparedSystem[]) {
    const m = comparison.median[system];
    lines.push(
      `    ${system.padEnd(20)} ${fmt(m.evPerSecond).padStart(7)} ev/s  ${fmt(m.overCeiling, 2)}× the ceiling;  workerd CPU ${fmt(m.cpuMsPerEvent, 2).padStart(6)} ms/ev, ${fmt(m.cpuMsPerEventWithTurns, 2).padStart(6)} with its turns = ${fmt(m.cpuOverCeiling, 2)}× by CPU   ${COMPARED_SYSTEMS[system].slice(0, 60)}`,
    );
  }
  return lines.join("\n");
}

/** Before → after, per event type: the figures each cut moves. */
function comparison(before: CostRun, after: CostRun): string {
  const lines = [`\n  before → after (same run)`, `  ${"event type".padEnd(64)} ${"DO req".padStart(13)} ${"rows written".padStart(15)} ${"CPU ms".padStart(13)} ${"$/M events".padStart(17)}`];
  for (const type of Object.keys(after.types) as EventType[]) {
    const b = before.types[type];
    const a = after.types[type]!;
    if (!b) continue;
    const pair = (x: number, y: number, digits: number) => `${fmt(x, digits)} → ${fmt(y, digits)}`;
    lines.push(
      `  ${EVENT_LABELS[type].padEnd(64)} ${pair(b.doRequests, a.doRequests, 2).padStart(13)} ${pair(b.rowsWritten, a.rowsWritten, 1).padStart(15)} ${pair(b.cpuMs, a.cpuMs, 1).padStart(13)} ${pair(b.usdPerMillion, a.usdPerMillion, 2).padStart(17)}`,
    );
  }
  return lines.join("\n");
}
