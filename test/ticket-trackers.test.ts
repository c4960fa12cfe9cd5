import { env, exports } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { GitHubConfig } from "../channels/github/config.ts";
import { LinearConfig } from "../channels/linear/config.ts";
import { githubTracker } from "../agents/triage/tickets/github.ts";
import { linearTracker } from "../agents/triage/tickets/linear.ts";
import { TicketSettings, trackerFor } from "../agents/triage/tickets/settings.ts";
import { chatReport, DUPLICATE_THRESHOLD, reportVector, similarity } from "../agents/triage/tickets/similarity.ts";
import { TEST_APP, TEST_TICKETS } from "./env.ts";
import { recordedCalls } from "./support/emulator.ts";
import { ticketIssues, ticketTeam } from "./support/tickets.ts";

const github = () => githubTracker(GitHubConfig.parse(env), TEST_TICKETS.owner, TEST_TICKETS.repo, { reportedAt: new Date(Date.now() - 60_000).toISOString() });
const linear = () => linearTracker(LinearConfig.parse(env), TEST_TICKETS.team);

describe("filing is exactly once across a crash after the tracker accepted it", () => {
  it("GitHub: the re-run finds the issue by the marker in its body and creates none", async () => {
    const key = `crash-${crypto.randomUUID()}:4`;
    const ticket = { title: "Crash between filing and the journal", body: "> the report", kind: "bug" as const };
    // The first attempt reached GitHub; the object died before its journal recorded the result.
    const first = await github().create(ticket, { idempotencyKey: key, replay: false });
    const again = await github().create(ticket, { idempotencyKey: key, replay: true });
    expect(again.id).toBe(first.id);
    expect((await ticketIssues()).filter((issue) => issue.body?.includes(`<!-- switchboard:${key} -->`))).toHaveLength(1);
  });

  it("Linear: the re-run asks for the id derived from the key and creates none", async () => {
    await ticketTeam();
    const key = `crash-${crypto.randomUUID()}:4`;
    const ticket = { title: "Crash between filing and the journal on Linear", body: "> the report", kind: "bug" as const, priority: "high" as const };
    const first = await linear().create(ticket, { idempotencyKey: key, replay: false });
    const again = await linear().create(ticket, { idempotencyKey: key, replay: true });
    expect(again.id).toBe(first.id);
    expect((await ticketTeam()).issues.filter((issue) => issue.title === ticket.title)).toHaveLength(1);
  });
});

describe("filing as a GitHub App", () => {
  it("finds the App's installation on the repository with its JWT, then files as the App's bot", async () => {
    const config = GitHubConfig.parse({
      BOT_NAME: TEST_APP.slug,
      GITHUB_WEBHOOK_SECRET: "unused",
      GITHUB_APP_ID: String(TEST_APP.id),
      GITHUB_PRIVATE_KEY: inject("githubAppKeyPkcs8"),
      GITHUB_API_URL: `${(env as unknown as { GITHUB_API_URL: string }).GITHUB_API_URL}`,
    });
    const key = `app-${crypto.randomUUID()}:4`;
    const ticket = await githubTracker(config, TEST_TICKETS.owner, TEST_TICKETS.repo).create({ title: "Filed by the App from chat", body: "> the report" }, { idempotencyKey: key, replay: false });
    const lookups = await recordedCalls("github", `/repos/${TEST_TICKETS.owner}/${TEST_TICKETS.repo}/installation`);
    expect(lookups.at(-1)?.status).toBe(200);
    const issue = (await ticketIssues()).find((candidate) => `${TEST_TICKETS.owner}/${TEST_TICKETS.repo}#${candidate.number}` === ticket.id) as unknown as { user: { login: string; type: string } };
    expect(issue.user).toMatchObject({ login: `${TEST_APP.slug}[bot]`, type: "Bot" });
  });
});

describe("duplicate search", () => {
  it("GitHub: one search API call scoped to the repository, keywords joined by OR", async () => {
    const before = (await recordedCalls("github", "/search/issues")).length;
    await github().search(chatReport("the invoice totals are rounded wrongly for Swiss francs"));
    const calls = (await recordedCalls("github", "/search/issues")).slice(before);
    expect(calls).toHaveLength(1);
    const q = new URL(`https://x${calls[0]!.path}`).searchParams.get("q")!;
    expect(q.startsWith(`repo:${TEST_TICKETS.owner}/${TEST_TICKETS.repo} is:issue `)).toBe(true);
    expect(q).toContain(" OR ");
  });

  it("similarity separates the same problem in other words from other problems that share words", () => {
    const report = reportVector(chatReport("checkout button does nothing on Safari 17 since today's deploy, console shows TypeError: undefined is not an object"));
    const same = [
      { title: "Checkout button unresponsive in Safari", body: "Clicking the checkout button on Safari does nothing. Console: TypeError: undefined is not an object (evaluating 'cart.items')" },
      { title: "Safari 17: checkout broken", body: "Since the latest deploy, pressing Checkout on Safari 17 shows TypeError in the console." },
    ];
    const other = [
      { title: "Checkout page shows wrong currency", body: "Prices on the checkout page are shown in USD instead of EUR for German customers." },
      { title: "App crashes with TypeError when saving settings", body: "Steps to reproduce:\n1. Open settings\n2. Click save\n\nTypeError: Cannot read properties of undefined (reading 'id')" },
      { title: "Dark mode for settings page", body: "It would be nice to have a dark mode option in the settings page." },
    ];
    for (const ticket of same) expect(similarity(report, reportVector(ticket)), ticket.title).toBeGreaterThanOrEqual(DUPLICATE_THRESHOLD);
    for (const ticket of other) expect(similarity(report, reportVector(ticket)), ticket.title).toBeLessThan(DUPLICATE_THRESHOLD);
  });
});

describe("TICKET_TRACKERS", () => {
  const enabled = { GITHUB_WEBHOOK_SECRET: "x", LINEAR_WEBHOOK_SECRET: "x" };

  it("maps a channel to its own tracker, else its platform's *, else *", () => {
    const settings = TicketSettings.parse({ ...enabled, TICKET_TRACKERS: "slack:C0123=github:acme/app, slack:*=linear:ENG *=github:acme/other" });
    expect(trackerFor(settings, "slack", "C0123")).toEqual({ kind: "github", owner: "acme", repo: "app" });
    expect(trackerFor(settings, "slack", "C0999")).toEqual({ kind: "linear", team: "ENG" });
    expect(trackerFor(settings, "discord", "42")).toEqual({ kind: "github", owner: "acme", repo: "other" });
    expect(trackerFor(TicketSettings.parse(enabled), "slack", "C0123")).toBeUndefined();
  });

  it("names each malformed entry, and a tracker whose channel is not enabled, without echoing values", () => {
    const result = TicketSettings.safeParse({ GITHUB_WEBHOOK_SECRET: "x", TICKET_TRACKERS: "slack:C0123=gitlab:acme/app discord:42=linear:ENG slack:C0123=github:acme/app slack:C0123=github:acme/b" });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`)).toEqual([
      "TICKET_TRACKERS: entry 1 must look like slack:C0123=github:acme/app, discord:987=linear:ENG or *=github:acme/app",
      "TICKET_TRACKERS: entry 2 files into Linear, which is not enabled (LINEAR_WEBHOOK_SECRET is not set)",
      "TICKET_TRACKERS: entry 4 repeats a chat channel an earlier entry maps",
    ]);
  });

  it("/health lists the triage agent's settings problems (none here)", async () => {
    const health = (await (await exports.default.fetch(new Request("https://switchboard.test/health"))).json()) as { agents: Record<string, { problems: string[] }> };
    expect(health.agents.triage).toEqual({ problems: [] });
  });
});
