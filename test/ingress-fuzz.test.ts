// Property-based fuzzing of the ingress: real payloads of every platform (recorded fixtures,
// GitHub's documented examples, the dev builders), one field mutated, signed over the exact
// bytes with the platform's algorithm and posted to the Worker. Whatever the mutation, the
// answer is a 2xx or a 4xx, quickly, and a 400 names the field it could not accept.
//
// The seed is fixed and the run count bounded, so CI runs the same cases in seconds. A failure
// prints the shrunk counterexample with its seed and path; change SEED to explore further.
import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DiscordConfig } from "../channels/discord/config.ts";
import { routeGatewayMessage } from "../channels/discord/normalize.ts";
import { triageCommand } from "../dev/discord-events.ts";
import type { GitHubPayload } from "../dev/github-events.ts";
import { NormalizedEvent } from "../src/event.ts";
import { TEST_DISCORD } from "./env.ts";
import { waitFor } from "./support/emulator.ts";
import { githubExamples } from "./support/github.ts";
import { commentWebhook, issueWebhook, notificationWebhook, sessionCreatedWebhook, sessionPromptedWebhook, BOT, HUMAN, type SeededIssue } from "./support/linear.ts";
import { dotted, formWithJsonPayload, mutatedForm, mutatedJson, mutation, pathsOf, type Mutation, type Path } from "./support/mutations.ts";
import { postSigned, type Route } from "./support/signed.ts";
import { eventCallback, mentionEvent } from "./support/slack.ts";

const SEED = 20_261_127;
/** Per platform. */
const RUNS = 400;
/** Far above a normal answer (milliseconds) and far below the 17 s one pathological mention once took. */
const ANSWER_WITHIN_MS = 2_000;

interface Base {
  readonly name: string;
  readonly route: Route;
  readonly payload: Record<string, unknown>;
  /** The bytes to post for the payload with `path` mutated. */
  readonly encode: (payload: Record<string, unknown>, path: Path, change: Mutation) => Uint8Array;
  /** Fields set fresh on every send (Linear's signed timestamp). */
  readonly refresh?: (payload: Record<string, unknown>) => void;
}

const json = (payload: Record<string, unknown>, path: Path, change: Mutation) => mutatedJson(payload, path, change);
const interaction = (payload: Record<string, unknown>, path: Path, change: Mutation) => formWithJsonPayload(mutatedJson(payload, path, change));
const form = (payload: Record<string, unknown>, path: Path, change: Mutation) => mutatedForm(payload as Record<string, string>, String(path[0]), change);

/** Every ingress log line of the run: reading a payload must never throw (`ingress.unreadable`). */
const logged: string[] = [];
const originalLog = console.log;
beforeAll(async () => {
  // The first request of a run also loads the Worker's modules; only later ones are timed.
  await exports.default.fetch("https://switchboard.test/health");
  console.log = (...args: unknown[]) => {
    logged.push(args.map(String).join(" "));
    originalLog(...args);
  };
});
afterAll(() => {
  console.log = originalLog;
});

function slackBases(): Base[] {
  const fixtures = inject("slackFixtures");
  const bases: Base[] = [];
  for (const fixture of fixtures) {
    const payload = fixture.payload;
    const name = `slack ${fixture.file}#${fixture.name}`;
    if (payload.type === "event_callback") bases.push({ name, route: { platform: "slack", path: "events" }, payload, encode: json });
    else if (typeof payload.command === "string") {
      const fields = Object.fromEntries(Object.entries(payload).map(([key, value]) => [key, String(value)]));
      bases.push({ name, route: { platform: "slack", path: "commands" }, payload: fields, encode: form });
    } else if (typeof payload.type === "string") bases.push({ name, route: { platform: "slack", path: "interactions" }, payload, encode: interaction });
  }
  const built = eventCallback(mentionEvent("CFUZZ00001", "the export button does nothing"));
  bases.push({ name: "slack dev builder: app_mention", route: { platform: "slack", path: "events" }, payload: built, encode: json });
  const message = eventCallback({ ...mentionEvent("CFUZZ00002", "hello"), type: "message", channel_type: "channel" });
  bases.push({ name: "slack dev builder: message mentioning the bot", route: { platform: "slack", path: "events" }, payload: message, encode: json });
  const assistant = eventCallback({ type: "assistant_thread_started", assistant_thread: { user_id: "U0HUMAN001", channel_id: "DFUZZ00001", thread_ts: "1767000000.000100" }, event_ts: "1767000000.000200" });
  bases.push({ name: "slack dev builder: assistant_thread_started", route: { platform: "slack", path: "events" }, payload: assistant, encode: json });
  bases.push({ name: "slack url_verification", route: { platform: "slack", path: "events" }, payload: { token: "x", challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", type: "url_verification" }, encode: json });
  return bases;
}

async function githubBases(): Promise<Base[]> {
  const wanted: [string, string][] = [
    ["issues", "opened"],
    ["issues", "reopened"],
    ["issues", "assigned"],
    ["pull_request", "opened"],
    ["pull_request", "ready_for_review"],
    ["issue_comment", "created"],
    ["pull_request_review_comment", "created"],
  ];
  const bases: Base[] = [];
  for (const [event, action] of wanted) {
    const example = (await githubExamples(event)).find((candidate: GitHubPayload) => candidate.action === action);
    if (!example) throw new Error(`no GitHub example for ${event}.${action}`);
    // One delivery id per base: every variant that still reads as an event is a duplicate of the
    // first, so the run starts a handful of turns, not hundreds.
    bases.push({ name: `github ${event}.${action}`, route: { platform: "github", event, delivery: `fuzz-${event}-${action}` }, payload: example, encode: json });
  }
  return bases;
}

function linearBases(): Base[] {
  const issue: SeededIssue = {
    id: "9a1f0000-0000-4000-8000-00000000f022",
    identifier: "FUZ-1",
    number: 1,
    title: "Export fails with a timeout",
    description: "Steps: open the report, press export; it spins for a minute and fails.",
    url: "https://linear.app/switchboard-dev/issue/FUZ-1",
    team: { id: "9a1f0000-0000-4000-8000-00000000f0aa" },
    createdAt: "2026-11-20T10:00:00.000Z",
    updatedAt: "2026-11-20T10:00:00.000Z",
  };
  const comment = { id: "9a1f0000-0000-4000-8000-00000000c001", body: "@switchboard what do you make of this?" };
  const payloads: [string, unknown][] = [
    ["Issue assigned to the bot", issueWebhook(issue, { action: "update", assigneeId: BOT.id, updatedFrom: { assigneeId: HUMAN.id } })],
    ["Comment mentioning the bot", commentWebhook(issue, comment.body)],
    ["AppUserNotification issueAssignedToYou", notificationWebhook(issue, "issueAssignedToYou")],
    ["AppUserNotification issueCommentMention", notificationWebhook(issue, "issueCommentMention", comment)],
    ["AgentSessionEvent created", sessionCreatedWebhook(issue, "9a1f0000-0000-4000-8000-00000000a001", comment)],
    ["AgentSessionEvent prompted", sessionPromptedWebhook(issue, "9a1f0000-0000-4000-8000-00000000a001", { id: "9a1f0000-0000-4000-8000-00000000b001", createdAt: "2026-11-20T10:05:00.000Z" }, "and the logs?")],
  ];
  return payloads.map(([name, payload]) => ({
    name: `linear ${name}`,
    route: { platform: "linear", delivery: `fuzz-${name.replace(/\W+/g, "-")}` },
    payload: JSON.parse(JSON.stringify(payload)) as Record<string, unknown>,
    encode: json,
    refresh: (fresh) => {
      fresh.webhookTimestamp = Date.now();
    },
  }));
}

function discordBases(): Base[] {
  const fixtures = inject("discordFixtures");
  const route: Route = { platform: "discord" };
  const bases: Base[] = fixtures
    .filter((fixture) => fixture.kind === "interaction")
    .map((fixture) => ({ name: `discord ${fixture.file}#${fixture.name}`, route, payload: fixture.payload, encode: json }));
  const { payload } = triageCommand({ applicationId: TEST_DISCORD.applicationId, guildId: TEST_DISCORD.guildId, channelId: "1457600000000009001", text: "the export button does nothing" });
  bases.push({ name: "discord dev builder: /triage", route, payload, encode: json });
  const target = fixtures.find((fixture) => fixture.kind === "gateway" && fixture.name === "gatewayMention");
  if (!target) throw new Error("no recorded gatewayMention");
  const messageCommand = {
    ...structuredClone(payload),
    data: { id: "1457600000000000002", name: "Triage this message", type: 3, target_id: target.payload.id, resolved: { messages: { [String(target.payload.id)]: target.payload } } },
  };
  bases.push({ name: "discord message command on a recorded message", route, payload: messageCommand, encode: json });
  bases.push({ name: "discord PING", route, payload: { id: "1457600000000000003", application_id: TEST_DISCORD.applicationId, type: 1, token: "x", version: 1 }, encode: json });
  return bases;
}

interface Sent {
  readonly status: number;
  readonly body: { error?: string; reason?: string; status?: string };
  readonly elapsedMs: number;
}

async function send(base: Base, path: Path, change: Mutation): Promise<Sent> {
  const payload = structuredClone(base.payload);
  base.refresh?.(payload);
  const bytes = base.encode(payload, path, change);
  const started = Date.now();
  const response = await postSigned(base.route, bytes);
  const body = (await response.json()) as Sent["body"];
  return { status: response.status, body, elapsedMs: Date.now() - started };
}

/** How V8 words the errors of code that met a value it did not expect. */
const RUNTIME_ERROR = /is not a function|Cannot read properties|is not iterable|Maximum call stack|Invalid time value|Invalid regular expression|is not defined|Cannot convert/;

/** A field path, then what was wrong with it: "event.ts: must be a Slack timestamp…". */
const NAMES_A_FIELD = /^[^\s:]+(\.[^\s:]+)*: \S/;

function expectSafeAnswer(base: Base, path: Path, change: Mutation, sent: Sent): void {
  const label = `${base.name}, ${dotted(path)} ← ${change.kind}: ${sent.status} ${JSON.stringify(sent.body).slice(0, 300)}`;
  expect(sent.elapsedMs, label).toBeLessThan(ANSWER_WITHIN_MS);
  // Linear's timestamp is inside the signed body: a mutated one is stale or from the future.
  const timestampChanged = base.route.platform === "linear" && path[0] === "webhookTimestamp";
  expect([200, 202, 400, ...(timestampChanged ? [401] : [])], label).toContain(sent.status);
  if (sent.status === 401) expect(sent.body.reason, label).toMatch(/^(stale|future)-timestamp$/);
  if (sent.status === 400) {
    expect(sent.body.error, label).toBe("malformed");
    expect(namesMutatedField(sent.body.reason ?? "", path), label).toBe(true);
  }
}

/**
 * The reason ("field: what was wrong; field: …") names the mutated field, or the object or array
 * holding it (an array that became a string fails as a whole), or a field inside it.
 */
function namesMutatedField(reason: string, path: Path): boolean {
  if (!NAMES_A_FIELD.test(reason)) return false;
  const mutated = dotted(path);
  const named = reason.split("; ").map((issue) => issue.slice(0, issue.indexOf(": ")));
  return named.some((field) => field === mutated || mutated.startsWith(`${field}.`) || field.startsWith(`${mutated}.`));
}

/**
 * Every path in a payload, and those near its top: a recorded payload has hundreds of fields
 * the channel never reads, and half of the draws go to the top two levels, where most of the
 * fields it reads are.
 */
function fieldsOf(payload: unknown): { paths: Path[]; shallow: Path[] } {
  const paths = pathsOf(payload);
  return { paths, shallow: paths.filter((path) => path.length <= 2) };
}

/** One base payload, one of its fields and one mutation; printed as such when a property fails. */
interface Case {
  readonly base: string;
  readonly path: Path;
  readonly change: Mutation;
}

function cases(payloads: readonly { name: string; payload: unknown }[]): fc.Arbitrary<Case> {
  const fields = payloads.map(({ name, payload }) => ({ name, ...fieldsOf(payload) }));
  return fc.tuple(fc.nat(fields.length - 1), fc.boolean(), fc.nat(), mutation).map(([index, nearTop, pick, change]) => {
    const { name, paths, shallow } = fields[index]!;
    const candidates = nearTop ? shallow : paths;
    return { base: name, path: candidates[pick % candidates.length]!, change };
  });
}

function fuzz(name: string, bases: () => Base[] | Promise<Base[]>): void {
  it(`${name}: signed deliveries with one field mutated are answered 2xx or 4xx within ${ANSWER_WITHIN_MS} ms, and a 400 names the field`, async () => {
    const all = await bases();
    expect(all.length).toBeGreaterThan(0);
    const byName = new Map(all.map((base) => [base.name, base]));
    await fc.assert(
      fc.asyncProperty(cases(all), async ({ base: baseName, path, change }) => {
        const base = byName.get(baseName)!;
        const sent = await send(base, path, change);
        expectSafeAnswer(base, path, change, sent);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(logged.filter((line) => line.includes('"msg":"ingress.unreadable"') || line.includes('"msg":"ingress.error"'))).toEqual([]);
  }, 60_000);
}

describe("ingress fuzz: mutated real payloads never get a 5xx, never hang, and a 400 names the field", () => {
  fuzz("Slack (recorded payloads and dev builders; events, commands, interactions)", slackBases);
  fuzz("GitHub (@octokit/webhooks-examples)", githubBases);
  fuzz("Linear (dev builders typed with @linear/sdk's webhook types)", linearBases);
  fuzz("Discord (recorded interactions, /triage, a message command on a recorded message)", discordBases);

  it("every delivery the fuzz got accepted has its turn settle, and none fails with a runtime error", async () => {
    const lines = () => logged.flatMap((line) => (line.startsWith("{") ? [JSON.parse(line) as Record<string, string>] : []));
    const accepted = lines().filter((line) => line.msg === "ingress.accepted");
    expect(accepted.length).toBeGreaterThan(0);
    const id = (line: Record<string, string>) => `${line.conversationKey} ${line.dedupeId}`;
    const settledTurns = await waitFor(`the turns of ${accepted.length} accepted deliveries to settle`, async () => {
      const settled = new Map(lines().filter((line) => /^turn\.(done|failed|cancelled)$/.test(line.msg!)).map((line) => [id(line), line]));
      return accepted.every((line) => settled.has(id(line))) ? [...settled.values()] : null;
    }, 20_000);
    // A platform refusing a made-up channel or issue fails a turn; a TypeError in the runtime must not.
    const runtimeErrors = settledTurns.filter((line) => RUNTIME_ERROR.test(line.error ?? ""));
    expect(runtimeErrors).toEqual([]);
  }, 30_000);

  it("Discord Gateway messages: any mutation of a recorded MESSAGE_CREATE is routed, looked up or skipped with a reason, never thrown", async () => {
    const config = DiscordConfig.parse(env);
    const messages = inject("discordFixtures").filter((fixture) => fixture.kind === "gateway" && fixture.event === "MESSAGE_CREATE");
    expect(messages.length).toBeGreaterThan(0);
    const named = messages.map((fixture) => ({ name: `${fixture.file}#${fixture.name}`, payload: fixture.payload }));
    const byName = new Map(named.map(({ name, payload }) => [name, payload]));
    // The recorded threads, as the Gateway object knows them from their THREAD_CREATE.
    const threads = new Map(
      inject("discordFixtures").flatMap((fixture) =>
        fixture.kind === "gateway" && fixture.event === "THREAD_CREATE" ? [[String(fixture.payload.id), { type: Number(fixture.payload.type), parentId: String(fixture.payload.parent_id) }] as const] : [],
      ),
    );
    expect(threads.size).toBeGreaterThan(0);
    await fc.assert(
      fc.property(cases(named), ({ base, path, change }) => {
        // The Gateway hands over parsed JSON: the bytes are decoded as the socket would decode them.
        const data = JSON.parse(new TextDecoder().decode(mutatedJson(byName.get(base), path, change))) as unknown;
        const routed = routeGatewayMessage(data, config, { channel: (id) => threads.get(id) });
        const label = `${base}, ${dotted(path)} ← ${change.kind}: ${JSON.stringify(routed).slice(0, 300)}`;
        if (routed.route === "deliver") expect(NormalizedEvent.safeParse(routed.event).success, label).toBe(true);
        // A server channel routing knows nothing of: the Gateway object looks it up.
        else if (routed.route === "lookup") expect(routed.channelId, label).toBe((data as { channel_id: unknown }).channel_id);
        else if (routed.reason.startsWith("not a message (")) expect(namesMutatedField(routed.reason.slice("not a message (".length, -1), path), label).toBe(true);
        else expect(routed.reason, label).toMatch(/\w/);
      }),
      { seed: SEED, numRuns: RUNS * 4 },
    );
  });
});
