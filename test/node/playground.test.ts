import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEV_DISCORD_REPORTS_CHANNEL, devVars } from "../../dev/defaults.ts";
import { DEV_DISCORD } from "../../dev/emulator/discord.ts";
import { devOptions, startEmulator, type RunningEmulator } from "../../dev/emulator/server.ts";
import { DEV_SLACK } from "../../dev/emulator/slack.ts";
import { createPlayground } from "../../dev/playground/server.ts";
import { launchBrowser } from "../support/browser.ts";
import { freePort, ROOT, startWorker, type RunningWorker } from "../../dev/workerd.ts";

const OUTPUT = join(ROOT, "test-output");

/**
 * What a newcomer sees: the playground page, driven in a real Chromium (the system one, or the
 * one npm installed). A GitHub issue opened there reaches the Worker signed like GitHub signs
 * it; the bot's comment comes back through the emulator, and the agent panel shows the turn's
 * journal, streamed from the Durable Object.
 */
describe("playground in a real browser", () => {
  let emulator: RunningEmulator;
  let worker: RunningWorker;
  let browser: Browser;
  let context: BrowserContext;
  let persistTo: string;
  let botName: string;

  beforeAll(async () => {
    persistTo = mkdtempSync(join(tmpdir(), "switchboard-playground-"));
    const port = await freePort();
    const emulatorUrl = `http://127.0.0.1:${port}`;
    const workerPort = await freePort();
    const vars = devVars(emulatorUrl);
    botName = vars.BOT_NAME ?? "switchboard";
    emulator = await startEmulator({
      ...devOptions(),
      port,
      front: createPlayground({ workerUrl: `http://127.0.0.1:${workerPort}`, emulatorUrl, vars }),
    });
    worker = await startWorker({ vars, persistTo, port: workerPort });
    browser = await launchBrowser();
    // One context for every page: the packaged Chromium runs as a single process, and a popup
    // (the Slack install's consent page) opened beside several contexts brings it down.
    context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  });

  /** The workspaces the Slack app is installed in, as the emulated Slack keeps them. */
  async function slackWorkspaces(): Promise<{ teamId: string; name: string; botUserId: string; installed: boolean }[]> {
    return (await fetch(`${emulator.url}/_emulator/slack/workspaces`)).json() as never;
  }

  async function addFault(rule: Record<string, unknown>): Promise<void> {
    const response = await fetch(`${emulator.url}/_emulator/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(rule) });
    expect(response.status).toBe(201);
  }

  afterAll(async () => {
    await browser?.close();
    worker?.kill("SIGKILL");
    await emulator?.close();
    if (persistTo) rmSync(persistTo, { recursive: true, force: true });
  });

  // An open page keeps a stream to the emulator, and Chromium allows six connections per host:
  // each test's pages close when it ends, passed or not.
  afterEach(async () => {
    for (const page of context?.pages() ?? []) await page.close();
  });

  it("opening a GitHub issue shows the bot's triage comment, its label and the turn's journal", async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(emulator.url);

    await page.getByRole("button", { name: "bug", exact: true }).click();
    await page.getByRole("button", { name: "Submit new issue" }).click();

    const botComment = page.locator(".comment.bot").first();
    await botComment.waitFor({ timeout: 30_000 });
    expect(await botComment.textContent()).toMatch(/Triage: this looks like a bug report \(confidence \d+%\)/);
    await expect.poll(() => page.locator(".issue .labels span").allTextContents(), { timeout: 10_000 }).toEqual(["bug"]);

    // The agent panel is fed by the Durable Object's state sync, not by the emulator.
    await expect.poll(() => page.locator("#agent-status").textContent(), { timeout: 10_000 }).toBe("live");
    await expect.poll(() => page.locator("#last").textContent(), { timeout: 10_000 }).toMatch(/turn 1: done, 6 steps, 3 model calls/);
    expect(await page.locator("#last li").allTextContents()).toEqual([
      expect.stringMatching(/^model embedded-triage/),
      expect.stringMatching(/^tool list_labels/),
      expect.stringMatching(/^model embedded-triage/),
      expect.stringMatching(/^tool add_labels/),
      expect.stringMatching(/^model embedded-triage/),
      expect.stringMatching(/^reply reply/),
    ]);
    expect(await page.locator("#inbox tbody td.done").count()).toBe(1);

    // A follow-up mention in the same conversation is answered in context, live.
    await page.getByRole("button", { name: "Comment", exact: true }).click();
    await expect.poll(() => page.locator(".comment.bot").count(), { timeout: 30_000 }).toBe(2);
    expect(await page.locator(".comment.bot").nth(1).textContent()).toMatch(/My reasons were:/);
    await expect.poll(() => page.locator("#inbox tbody td.done").count(), { timeout: 10_000 }).toBe(2);

    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, "playground-github.png"), fullPage: true });
    expect(errors).toEqual([]);
  });

  it("opening a pull request shows the reviewer's findings, its size label and its turn; a follow-up restates them", async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(emulator.url);
    await page.getByRole("textbox", { name: "repository" }).fill("octo-org/reviews");

    // The default diff adds an S3 client with AWS credentials written into the source, and no test.
    await page.getByRole("button", { name: "Create pull request" }).click();
    const review = page.locator(".comment.bot").first();
    await review.waitFor({ timeout: 30_000 });
    const text = await review.textContent();
    expect(text).toMatch(/^.*Review: 1 file\(s\) changed, \+6 −0 \(size XS\)\./);
    expect([...(text ?? "").matchAll(/• (Possible secret added|Migration or schema change|Source changed without tests|Very large diff|Lockfile-only change|Generated files only) — /g)].map((m) => m[1])).toEqual([
      "Possible secret added",
      "Source changed without tests",
    ]);
    expect(text).toContain("src/deploy/upload.ts line 5: AWS Access Key ID, AWS Secret Access Key.");
    await expect.poll(() => page.locator(".issue .labels span").allTextContents(), { timeout: 10_000 }).toEqual(["size/XS"]);
    expect(await page.locator("details.files summary").textContent()).toBe("Files changed (1)");

    await expect.poll(() => page.locator("#agent-key").textContent(), { timeout: 10_000 }).toMatch(/^github:octo-org\/reviews#\d+$/);
    await expect.poll(() => page.locator("#last").textContent(), { timeout: 10_000 }).toMatch(/turn 1: done, 8 steps, 4 model calls/);
    expect(await page.locator("#last li").allTextContents()).toEqual([
      expect.stringMatching(/^model embedded-reviewer/),
      expect.stringMatching(/^tool list_pull_request_files/),
      expect.stringMatching(/^model embedded-reviewer/),
      expect.stringMatching(/^tool list_labels/),
      expect.stringMatching(/^model embedded-reviewer/),
      expect.stringMatching(/^tool add_labels/),
      expect.stringMatching(/^model embedded-reviewer/),
      expect.stringMatching(/^reply reply/),
    ]);

    await page.locator("#comment textarea").fill(`@${botName} what did you find?`);
    await page.getByRole("button", { name: "Comment", exact: true }).click();
    await expect.poll(() => page.locator(".comment.bot").count(), { timeout: 30_000 }).toBe(2);
    expect(await page.locator(".comment.bot").nth(1).textContent()).toMatch(/Following up on my review of this pull request .*Possible secret added/s);

    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, "playground-github-pr.png"), fullPage: true });
    expect(errors).toEqual([]);
  });

  it("chat → ticket: a Slack report waits for approval, a visitor's click is refused, the admin's files one GitHub issue, and closing it posts back in the thread", async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(emulator.url);
    await page.getByRole("button", { name: "Slack", exact: true }).click();
    await page.getByRole("button", { name: "Send", exact: true }).click();

    // The bot searched the mapped repository, found nothing alike, and asks to file it.
    const request = page.locator(".slack-message .thread .comment.bot", { hasText: "asks for approval" });
    await request.waitFor({ timeout: 30_000 });
    expect(await request.textContent()).toMatch(/asks for approval to file “Checkout crashes with TypeError.*” in octo-org\/demo as a bug, priority high/);
    await expect.poll(() => page.locator("#agent-key").textContent(), { timeout: 10_000 }).toMatch(/^slack:T0SWITCHDEV:C0PLAYGRND:/);
    await expect.poll(() => page.locator("#last").textContent(), { timeout: 10_000 }).toMatch(/turn 1: parked/);
    expect(await page.locator(".slack-button").allTextContents()).toEqual(["Approve", "Deny"]);
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, "playground-ticket-request.png"), fullPage: true });

    // A visitor may not approve: only they see "Not allowed", and the buttons stay.
    await page.locator("#slack-user").selectOption("U0VISITOR1");
    await page.getByRole("button", { name: "Approve", exact: true }).click();
    await expect.poll(() => page.locator(".ephemeral").textContent(), { timeout: 15_000 }).toMatch(/Not allowed: you may not approve or deny file_ticket here/);
    expect(await page.locator(".slack-button").count()).toBe(2);
    await page.screenshot({ path: join(OUTPUT, "playground-ticket-refused.png"), fullPage: true });

    // The workspace admin approves: one issue, the outcome on the request, the link in the thread.
    await page.locator("#slack-user").selectOption("U0PLAYGRND");
    await page.getByRole("button", { name: "Approve", exact: true }).click();
    const thread = page.locator(".slack-message .thread");
    // The answer streams into its message: wait for its last line before reading the number.
    await expect.poll(() => thread.first().textContent(), { timeout: 30_000 }).toMatch(/Filed octo-org\/demo#\d+ “Checkout crashes with TypeError.*I'll post here when it is closed\./s);
    expect(await thread.first().textContent()).toMatch(/Approved by you/);
    expect(await page.locator(".slack-button").count()).toBe(0);
    const number = Number(/octo-org\/demo#(\d+)/.exec((await thread.first().textContent()) ?? "")![1]);
    await page.screenshot({ path: join(OUTPUT, "playground-ticket-filed.png"), fullPage: true });

    // The ticket in the GitHub view: the report quoted, the thread linked, the reporter named, labelled bug.
    await page.getByRole("button", { name: "GitHub", exact: true }).click();
    await page.locator(".issue-list li", { hasText: `#${number}` }).click();
    await expect.poll(() => page.locator(".issue .comment").first().textContent(), { timeout: 10_000 }).toMatch(/Checkout crashes with TypeError.*Reported by you in a Slack thread/s);
    expect(await page.locator(".issue .labels span").allTextContents()).toEqual(["bug"]);
    await page.getByRole("button", { name: /Close issue/ }).click();
    await expect.poll(() => page.locator("#github-state").textContent(), { timeout: 10_000 }).toBe("Closed");
    await page.screenshot({ path: join(OUTPUT, "playground-ticket-github.png"), fullPage: true });

    // Closing it reports back once in the Slack thread.
    await page.getByRole("button", { name: "Slack", exact: true }).click();
    await expect.poll(() => thread.first().textContent(), { timeout: 30_000 }).toMatch(new RegExp(`octo-org/demo#${number} “Checkout crashes.*” was closed as completed by @maria`));
    expect(((await thread.first().textContent()) ?? "").match(/was closed as completed/g)).toHaveLength(1);
    await page.screenshot({ path: join(OUTPUT, "playground-ticket-closed.png"), fullPage: true });
    expect(errors).toEqual([]);
    // An open page keeps a stream to the emulator, and Chromium allows six connections per host.
    await page.goto("about:blank");
  });

  it("chat → ticket into Linear: a report in the Slack DM becomes an ENG issue, and moving it to Done posts back", async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(emulator.url);
    await page.getByRole("button", { name: "Slack", exact: true }).click();
    await page.locator("select[name=channel]").selectOption("D0PLAYGRND");
    await page.locator("#slack-message textarea").fill("Exporting invoices to PDF fails with RangeError: Maximum call stack size exceeded since v3.2");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await page.getByRole("button", { name: "Approve", exact: true }).click({ timeout: 30_000 });
    const thread = page.locator(".slack-message .thread");
    await expect.poll(() => thread.first().textContent(), { timeout: 30_000 }).toMatch(/Filed ENG-\d+ “Exporting invoices to PDF.*I'll post here when it is closed\./s);
    const identifier = /(ENG-\d+)/.exec((await thread.first().textContent()) ?? "")![1]!;

    await page.getByRole("button", { name: "Linear", exact: true }).click();
    await page.locator(".issue-list li", { hasText: identifier }).click();
    await expect.poll(() => page.locator(".issue .labels").textContent(), { timeout: 10_000 }).toMatch(/Bug.*Priority: High.*Triage/);
    await page.getByRole("button", { name: "Mark Done as Ada" }).click();
    await expect.poll(() => page.locator("#linear-state").textContent(), { timeout: 10_000 }).toBe("Done");
    await page.screenshot({ path: join(OUTPUT, "playground-ticket-linear.png"), fullPage: true });

    await page.getByRole("button", { name: "Slack", exact: true }).click();
    await page.locator("select[name=channel]").selectOption("D0PLAYGRND");
    await expect.poll(() => thread.first().textContent(), { timeout: 30_000 }).toMatch(new RegExp(`${identifier} “Exporting invoices.*” was moved to Done by Ada Lovelace`));
    await page.screenshot({ path: join(OUTPUT, "playground-ticket-linear-closed.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.goto("about:blank");
  });

  it("chat → ticket from Discord: a report in #bug-reports gets its own thread where it waits for approval, a visitor's click is refused, the admin's files one GitHub issue, closing it posts back in the thread; a second report gets a thread, an offer and a ticket of its own", async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(emulator.url);
    await page.getByRole("button", { name: "Discord", exact: true }).click();
    await page.locator("#discord-channel").selectOption({ label: "#bug-reports" });
    await page.locator("#discord-mention textarea").fill("Uploading an avatar fails with a 413 error and the profile page goes blank since v5.2");
    await page.getByRole("button", { name: "Send message" }).click();

    // The bot answers in a thread started from the report: "N messages" under it opens the thread.
    const threadOf = (report: RegExp) => page.locator(".discord-channel .comment", { hasText: report }).locator(".discord-thread-link");
    const firstLink = threadOf(/Uploading an avatar fails/);
    await firstLink.waitFor({ timeout: 30_000 });
    await expect.poll(() => firstLink.textContent(), { timeout: 30_000 }).toMatch(/Uploading an avatar fails.*[1-9]\d* messages? ›/);
    // Nothing of the bot's in the channel itself.
    expect(await page.locator(".discord-channel .comment.bot").count()).toBe(0);
    await firstLink.click();
    const thread = page.locator(".discord-thread");
    await expect.poll(() => thread.locator("h2").textContent(), { timeout: 10_000 }).toMatch(/Uploading an avatar fails with a 413 error/);

    // The bot searched the repository #bug-reports maps to, found nothing alike, and asks with two buttons, in the thread.
    const request = thread.locator(".comment.bot", { hasText: "for approval to file “Uploading an avatar" });
    await request.waitFor({ timeout: 30_000 });
    expect(await request.textContent()).toMatch(/triage asks for approval to file “Uploading an avatar fails with a 413 error.*” in octo-org\/demo as a bug, priority medium\.\s*Expires in 24 hours if nobody answers/);
    expect(await request.locator(".discord-button").allTextContents()).toEqual(["Approve", "Deny"]);
    const firstKey = new RegExp(`^discord:${DEV_DISCORD.guildId}:${DEV_DISCORD_REPORTS_CHANNEL}:\\d+$`);
    await expect.poll(() => page.locator("#agent-key").textContent(), { timeout: 10_000 }).toMatch(firstKey);
    const reportKey = (await page.locator("#agent-key").textContent())!;
    await expect.poll(() => page.locator("#last").textContent(), { timeout: 10_000 }).toMatch(/turn 1: parked/);
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, "playground-discord-ticket-request.png"), fullPage: true });

    // A visitor, without Manage Server, may not approve: only they see the note, in the thread, and the buttons stay.
    await page.locator("#discord-person").selectOption("visitor");
    await request.getByRole("button", { name: "Approve", exact: true }).click();
    await expect.poll(() => thread.locator(".ephemeral").textContent(), { timeout: 15_000 }).toMatch(/Only you can see this — switchboard: Not allowed: you may not approve or deny file_ticket here/);
    expect(await request.locator(".discord-button").count()).toBe(2);
    await page.screenshot({ path: join(OUTPUT, "playground-discord-ticket-refused.png"), fullPage: true });
    await page.locator("#discord-person").selectOption("you");
    await expect.poll(() => page.locator(".ephemeral").count(), { timeout: 10_000 }).toBe(0);

    // You manage the server: one press files the issue, the request shows the outcome and loses its buttons.
    await request.getByRole("button", { name: "Approve", exact: true }).click();
    await expect.poll(() => request.textContent(), { timeout: 30_000 }).toMatch(/asked for approval .*Approved by Test User/s);
    expect(await request.locator(".discord-button").count()).toBe(0);
    const filed = thread.locator(".comment.bot", { hasText: /Filed octo-org\/demo#\d+ “Uploading an avatar/ });
    // The answer streams into one message: read it once it is whole.
    await expect.poll(() => filed.textContent(), { timeout: 30_000 }).toMatch(/I'll post here when it is closed\./);
    expect(await filed.count()).toBe(1);
    const number = Number(/octo-org\/demo#(\d+)/.exec((await filed.textContent()) ?? "")![1]);
    await page.screenshot({ path: join(OUTPUT, "playground-discord-ticket-filed.png"), fullPage: true });

    // Exactly one issue, quoting the report and naming the reporter and where it came from; closed by a maintainer.
    await page.getByRole("button", { name: "GitHub", exact: true }).click();
    await expect.poll(() => page.locator(".issue-list li", { hasText: "Uploading an avatar fails" }).count(), { timeout: 10_000 }).toBe(1);
    await page.locator(".issue-list li", { hasText: `#${number}` }).click();
    await expect.poll(() => page.locator(".issue .comment").first().textContent(), { timeout: 10_000 }).toMatch(/Uploading an avatar fails with a 413 error.*Reported by Test User in a Discord thread/s);
    expect(await page.locator(".issue .labels span").allTextContents()).toEqual(["bug"]);
    await page.getByRole("button", { name: /Close issue/ }).click();
    await expect.poll(() => page.locator("#github-state").textContent(), { timeout: 10_000 }).toBe("Closed");

    // Closing it reports back once, in the report's thread.
    await page.getByRole("button", { name: "Discord", exact: true }).click();
    const closed = page.locator(".discord-thread .comment.bot", { hasText: new RegExp(`octo-org/demo#${number} “Uploading an avatar.*” was closed as completed by @maria`) });
    await expect.poll(() => closed.count(), { timeout: 30_000 }).toBe(1);
    expect(await page.locator(".discord-channel .comment.bot").count()).toBe(0);
    await page.screenshot({ path: join(OUTPUT, "playground-discord-ticket-closed.png"), fullPage: true });

    // A second report in the same channel, after the first was filed: its own thread, its own offer, its own ticket.
    await page.locator(".discord-thread-close").click();
    await page.locator("#discord-mention textarea").fill("Search results page hangs forever when the query contains an emoji, console shows a RangeError");
    await page.getByRole("button", { name: "Send message" }).click();
    const secondLink = threadOf(/Search results page hangs/);
    await secondLink.waitFor({ timeout: 30_000 });
    await expect.poll(() => secondLink.textContent(), { timeout: 30_000 }).toMatch(/[1-9]\d* messages? ›/);
    await secondLink.click();
    await expect.poll(() => thread.locator("h2").textContent(), { timeout: 10_000 }).toMatch(/Search results page hangs/);
    const offer = thread.locator(".comment.bot", { hasText: "for approval to file “Search results page hangs" });
    await offer.waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator("#agent-key").textContent(), { timeout: 10_000 }).toMatch(firstKey);
    expect(await page.locator("#agent-key").textContent()).not.toBe(reportKey);
    await offer.getByRole("button", { name: "Approve", exact: true }).click();
    const filedToo = thread.locator(".comment.bot", { hasText: /Filed octo-org\/demo#\d+ “Search results page hangs/ });
    await expect.poll(() => filedToo.textContent(), { timeout: 30_000 }).toMatch(/I'll post here when it is closed\./);
    const second = Number(/octo-org\/demo#(\d+)/.exec((await filedToo.textContent()) ?? "")![1]);
    expect(second).not.toBe(number);
    // The first thread holds its own ticket, not this one.
    expect(await thread.textContent()).not.toContain(`octo-org/demo#${number} `);
    await page.screenshot({ path: join(OUTPUT, "playground-discord-ticket-second.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.goto("about:blank");
  });

  it("Discord: an @-mention over the Gateway is answered in its thread, where you can write on; /triage is answered in the channel", async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(emulator.url);
    await page.getByRole("button", { name: "Discord", exact: true }).click();
    await page.getByRole("button", { name: "Send message" }).click();
    const link = page.locator(".discord-channel .discord-thread-link").last();
    await link.waitFor({ timeout: 30_000 });
    await link.click();
    const thread = page.locator(".discord-thread");
    await expect.poll(() => thread.locator(".comment.bot").count(), { timeout: 30_000 }).toBe(1);
    // The answer grows while it streams, then holds the triage.
    await expect.poll(() => thread.locator(".comment.bot").first().textContent(), { timeout: 10_000 }).toMatch(/bug report/);

    // Writing in the open thread: no mention needed, the same conversation answers.
    await page.getByRole("button", { name: "Send reply" }).click();
    await expect.poll(() => thread.locator(".comment.bot").count(), { timeout: 30_000 }).toBe(2);
    await expect.poll(() => page.locator("#inbox tbody td.done").count(), { timeout: 10_000 }).toBe(2);
    await page.screenshot({ path: join(OUTPUT, "playground-discord-thread.png"), fullPage: true });

    await page.locator(".discord-thread-close").click();
    await page.getByRole("button", { name: "Run /triage" }).click();
    await expect.poll(() => page.locator("#send-result").textContent(), { timeout: 10_000 }).toMatch(/"type":5/);
    await expect.poll(() => page.locator(".discord-channel .comment.bot").count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => page.locator(".discord-channel .comment.bot").first().textContent(), { timeout: 10_000 }).toMatch(/bug report|classify/);
    await expect.poll(() => page.locator("#agent-key").textContent(), { timeout: 10_000 }).toBe(`discord:${DEV_DISCORD.guildId}:1300000000000000100`);
    await expect.poll(() => page.locator("#inbox tbody td.done").count(), { timeout: 10_000 }).toBe(1);
    await page.screenshot({ path: join(OUTPUT, "playground-discord.png"), fullPage: true });
    expect(errors).toEqual([]);
  });

  it("Linear: an issue assigned to the bot gets labels, a priority and one triage comment; a delegated one, a session answer", async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(emulator.url);
    await page.getByRole("button", { name: "Linear", exact: true }).click();
    await page.getByRole("button", { name: "Create issue" }).click();
    const botComment = page.locator(".issue .comment.bot");
    await expect.poll(() => botComment.count(), { timeout: 30_000 }).toBe(1);
    expect(await botComment.first().textContent()).toMatch(/Triage: this looks like a bug report/);
    await expect.poll(() => page.locator(".issue .labels").textContent(), { timeout: 10_000 }).toMatch(/Bug.*Priority: High/);

    await page.locator("select[name=action]").selectOption("delegate");
    await page.getByRole("button", { name: "Create issue" }).click();
    // A session shows its activities: a thought first, the response last.
    await expect.poll(() => page.locator(".issue .comment.bot .badge:not(:has-text('bot'))").allTextContents(), { timeout: 30_000 }).toEqual(
      expect.arrayContaining(["thought", "response"]),
    );
    const kinds = await page.locator(".issue .comment.bot .badge:not(:has-text('bot'))").allTextContents();
    expect(kinds[0]).toBe("thought");
    expect(kinds.at(-1)).toBe("response");
    await page.screenshot({ path: join(OUTPUT, "playground-linear.png"), fullPage: true });
    expect(errors).toEqual([]);
  });

  it("Slack in two workspaces: the Worker's install link runs Slack's OAuth round trip, and the bot answers in each workspace with that workspace's token", async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(emulator.url);
    await page.getByRole("button", { name: "Slack", exact: true }).click();

    // /oauth/slack/install → Slack's consent page (the emulator's) → /oauth/slack/callback, in a new tab.
    const [consent] = await Promise.all([page.context().waitForEvent("page"), page.getByRole("link", { name: "Install in another workspace" }).click()]);
    await consent.waitForLoadState();
    expect(new URL(consent.url()).pathname).toBe("/slack/oauth/v2/authorize");
    await consent.locator("input[name=team][value=new]").check();
    await consent.getByRole("textbox", { name: "new workspace name" }).fill("Globex");
    await consent.getByRole("button", { name: "Allow" }).click();
    await consent.waitForURL(/\/oauth\/slack\/callback\?/);
    expect(await consent.locator("h1").textContent()).toBe("Installed in Globex");
    await consent.close();
    const globex = (await slackWorkspaces()).find((workspace) => workspace.name === "Globex")!;
    expect(globex).toMatchObject({ installed: true });

    // The new workspace is in the switcher; the bot answers a mention in its #general.
    await page.getByRole("button", { name: "Globex", exact: true }).click();
    await page.locator("#slack-message textarea").fill("The login page returns 500 since this morning");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    const inGlobex = page.locator(".slack-message", { hasText: "The login page returns 500" }).locator(".thread .comment.bot");
    // Whole, not half-streamed: the stream was stopped.
    await inGlobex.and(page.locator(":not(.streaming)")).waitFor({ timeout: 30_000 });
    expect(await inGlobex.locator(".body").textContent()).toMatch(/^This reads like a bug report \(\d+%\): .+\.$/);
    // Its tool step, shown above the answer as the stream's task.
    expect(await inGlobex.locator(".tasks").textContent()).toBe("✓ Search issues");
    await expect.poll(() => page.locator("#agent-key").textContent(), { timeout: 10_000 }).toMatch(new RegExp(`^slack:${globex.teamId}:C${globex.teamId.slice(1)}:`));
    await page.screenshot({ path: join(OUTPUT, "playground-slack-workspaces.png"), fullPage: true });

    // And, switched back, in the dev workspace.
    await page.getByRole("button", { name: "switchboard-dev", exact: true }).click();
    await page.locator("#slack-message textarea").fill("How do I change where notifications are sent?");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    const inHome = page.locator(".slack-message", { hasText: "How do I change where notifications" }).locator(".thread .comment.bot");
    await inHome.and(page.locator(":not(.streaming)")).waitFor({ timeout: 30_000 });
    expect(await inHome.locator(".body").textContent()).toMatch(/^This reads like a question \(\d+%\): .+\.$/);

    // Slack posts as the workspace whose token a call carries: each answer came with its own workspace's token.
    const slack = (await (await fetch(`${emulator.url}/_emulator/state/slack`)).json()) as { channels: Record<string, { team: string; user: string; bot_id?: string; text: string }[]> };
    const answers = (channel: string) => (slack.channels[channel] ?? []).filter((message) => message.bot_id !== undefined).map((message) => [message.team, message.user]);
    expect(answers(`C${globex.teamId.slice(1)}`)).toEqual([[globex.teamId, globex.botUserId]]);
    expect(answers("C0PLAYGRND")).toContainEqual([DEV_SLACK.teamId, DEV_SLACK.botUserId]);
    expect(answers("C0PLAYGRND")).not.toContainEqual([globex.teamId, globex.botUserId]);
    const health = (await (await fetch(`${worker.url}/health`)).json()) as { channels: { slack: { installations: { active: number } } } };
    expect(health.channels.slack.installations.active).toBe(1);
    expect(errors).toEqual([]);
    await page.goto("about:blank");
  });

  it("a streamed Slack answer is seen growing in its thread, then whole; the agent panel shows the turn's tokens, cost and span timeline, and no message text", async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    // Slack holds chat.stopStream for 3 s: meanwhile the message shows only what was appended.
    await addFault({ platform: "slack", pathPattern: "^/chat\\.stopStream$", times: 1, kind: "timeout", delayMs: 3_000, then: "proceed" });
    await page.goto(emulator.url);
    await page.getByRole("button", { name: "Slack", exact: true }).click();
    await page.locator("select[name=channel]").selectOption("D0PLAYGRND");
    const question = "How do I export my invoices as CSV? Is there a setting for that?";
    await page.locator("#slack-message textarea").fill(question);
    await page.getByRole("button", { name: "Send", exact: true }).click();

    const answer = page.locator(".slack-message", { hasText: question }).locator(".thread .comment.bot");
    const body = answer.locator(".body");
    await answer.and(page.locator(".streaming")).waitFor({ timeout: 30_000 });
    await expect.poll(async () => ((await body.textContent()) ?? "").replace(/^…$/, ""), { timeout: 10_000 }).not.toBe("");
    const growing = (await body.textContent()) ?? "";
    expect(await answer.getAttribute("class")).toContain("streaming");
    await page.screenshot({ path: join(OUTPUT, "playground-slack-streaming.png"), fullPage: true });

    await answer.and(page.locator(":not(.streaming)")).waitFor({ timeout: 30_000 });
    const whole = (await body.textContent()) ?? "";
    expect(whole).toMatch(/^This reads like a question \(\d+%\): .*\.$/);
    expect(whole.startsWith(growing) && whole.length > growing.length).toBe(true);

    // The live view: the finished turn's usage as the Durable Object's state says, and its spans nested by parent.
    await expect.poll(() => page.locator("#last").textContent(), { timeout: 10_000 }).toMatch(/^turn 1: done/);
    const agent = JSON.parse((await page.locator("#state").textContent()) ?? "{}") as {
      last: { usage: { inputTokens: number; outputTokens: number; usd: number | null }; spans: { name: string; startMs: number; durationMs: number }[] };
      today: { inputTokens: number; outputTokens: number };
    };
    expect(agent.last.usage.inputTokens).toBeGreaterThan(0);
    expect(await page.locator("#turns tbody tr").first().locator("td").allTextContents()).toEqual([
      "1",
      "done",
      agent.last.usage.inputTokens.toLocaleString("en-US"),
      agent.last.usage.outputTokens.toLocaleString("en-US"),
      "$0.00",
    ]);
    expect(await page.locator("#today").textContent()).toContain(`${agent.today.inputTokens.toLocaleString("en-US")} input and ${agent.today.outputTokens.toLocaleString("en-US")} output tokens`);
    const rows = page.locator("#timeline .span-row");
    expect(await rows.evaluateAll((nodes) => nodes.map((node) => [node.getAttribute("data-span"), node.getAttribute("data-depth")]))).toEqual([
      ["invoke_agent triage", "0"],
      ["chat embedded-triage", "1"],
      ["switchboard.stream", "2"],
      ["switchboard.reply", "1"],
    ]);
    // Each bar sits where its span started and is as long as it lasted, on the turn's time axis.
    const end = Math.max(...agent.last.spans.map((span) => span.startMs + span.durationMs));
    const reply = agent.last.spans.find((span) => span.name === "switchboard.reply")!;
    const bar = (await rows.nth(3).locator(".span-bar").getAttribute("style")) ?? "";
    expect(Number(/left:([\d.]+)%/.exec(bar)![1])).toBeCloseTo((reply.startMs / end) * 100, 3);
    expect(Number(/width:([\d.]+)%/.exec(bar)![1])).toBeCloseTo((reply.durationMs / end) * 100, 3);
    const timeline = `${await page.locator("#timeline").textContent()} ${(await rows.evaluateAll((nodes) => nodes.map((node) => node.getAttribute("title")))).join(" ")}`;
    expect(timeline).toMatch(/chat embedded-triage.*\d+ in · \d+ out/);
    for (const words of ["export my invoices", "reads like a question"]) expect(timeline).not.toContain(words);
    await page.screenshot({ path: join(OUTPUT, "playground-agent-usage.png"), fullPage: true });
    expect(errors).toEqual([]);
    await page.goto("about:blank");
  });
});
