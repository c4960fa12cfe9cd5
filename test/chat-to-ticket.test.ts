import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_TICKETS } from "./env.ts";
import { settled, snapshot } from "./support/agents.ts";
import { emulatorUrl, waitFor } from "./support/emulator.ts";
import { githubExample, inRepository, issueAsDelivered, newDelivery, postGitHub } from "./support/github.ts";
import { HUMAN, issueWebhook, postLinear } from "./support/linear.ts";
import { buttonPress } from "../dev/discord-events.ts";
import { TEST_DISCORD } from "./env.ts";
import { channelMessages, gatewayAdmin, gatewayConnected, mention, postInteraction as postDiscordInteraction, registerInteraction } from "./support/discord.ts";
import { ADMIN, MEMBER, approvalRequest, press, replies, reportInSlack, seedTicketIssue, threadMessages, ticketIssues, ticketTeam } from "./support/tickets.ts";

const { slackToGitHub, slackToLinear, discordToGitHub, discordToLinear, owner, repo } = TEST_TICKETS;

/** Someone Discord says may manage the server (permissions bit 5), the default approver. */
const DISCORD_ADMIN = { user: { id: "1033044521375764530", username: "ada", global_name: "Ada" }, permissions: String((1n << 10n) | (1n << 11n) | (1n << 5n)) };

/**
 * A report @-mentioning the bot in a Discord channel, over the Gateway: its own conversation, in
 * the thread the bot starts from it. Then the Approve press on the bot's request in that thread.
 */
async function reportInDiscord(channelId: string, text: string) {
  await gatewayConnected();
  const { key, messageId, threadId } = await mention(channelId, text);
  await parked(key);
  const request = (await channelMessages(threadId)).find((m) => m.components?.length)!;
  const approve = request.components!.flatMap((row) => row.components).find((button) => button.custom_id.startsWith("switchboard:approve:"))!;
  const press = buttonPress({
    applicationId: TEST_DISCORD.applicationId,
    guildId: TEST_DISCORD.guildId,
    channelId: threadId,
    parentId: channelId,
    message: { id: request.id, content: request.content, author: { id: TEST_DISCORD.applicationId, username: "switchboard" }, components: request.components },
    customId: approve.custom_id,
    member: DISCORD_ADMIN,
  });
  await registerInteraction({ id: press.id, token: press.token, channel_id: threadId, guild_id: TEST_DISCORD.guildId });
  expect((await postDiscordInteraction(press.payload)).status).toBe(200);
  return { key, messageId, threadId, request };
}

/** Parked on its approval request, with nothing filed yet. */
async function parked(key: string) {
  return waitFor("the turn to park on its approval", async () => {
    const state = await snapshot(key);
    return state.parked === 1 && state.current === null ? state : null;
  });
}

/** GitHub's issues.closed delivery for a ticket, closed by a maintainer (its documented issue, closed). */
async function closedWebhook(issue: { number: number; title: string; body: string | null; html_url: string }, closedAt: string) {
  const payload = inRepository(await githubExample("issues", "opened"), owner, repo);
  payload.action = "closed";
  Object.assign(payload.issue as object, { ...issue, labels: [], state: "closed", state_reason: "completed", closed_at: closedAt });
  Object.assign(payload.sender as object, { login: "maria", id: 4242, type: "User" });
  return payload;
}

describe("chat → ticket", () => {
  beforeAll(async () => {
    await ticketTeam();
  });
  afterAll(async () => {
    await gatewayAdmin("stop");
  });

  it("a Slack report becomes exactly one GitHub issue after an admin approves: it quotes the report, links the thread, names the reporter, and the thread gets its link", async () => {
    const text = "checkout button does nothing on Safari 17 since today's deploy, console shows TypeError: undefined is not an object";
    const { channel, root, key } = await reportInSlack(slackToGitHub, text);
    const waiting = await parked(key);
    const request = await approvalRequest(channel, root);
    expect(waiting.last?.approval?.tool).toBe("file_ticket");
    expect(request.summary).toContain(`in ${owner}/${repo} as a bug, priority high`);
    const before = (await ticketIssues()).length;

    // Someone who may not approve changes nothing.
    await press(channel, root, MEMBER);
    await waitFor("the refusal to be handled", async () => (await snapshot(key)).inbox.some((row) => row.status === "done" && row.seq > 1));
    expect((await snapshot(key)).parked).toBe(1);
    expect(await ticketIssues()).toHaveLength(before);

    await press(channel, root, ADMIN);
    const done = await settled(key);
    const filed = (await ticketIssues()).filter((issue) => issue.body?.includes("Safari 17 since today's deploy"));
    expect(filed).toHaveLength(1);
    const [issue] = filed;
    expect(issue!.title).toMatch(/^checkout button does nothing on Safari 17/);
    expect(issue!.body).toContain(`> ${text}`);
    expect(issue!.body).toContain(`Reported by **hugo** in [a Slack thread](https://switchboard-dev.slack.com/archives/${channel}/p${root.replace(".", "")})`);
    expect(issue!.body).toMatch(/<!-- switchboard:[^ ]+ -->/);
    expect(issue!.labels.map((label) => label.name)).toEqual(["bug"]);
    expect(done.last?.reply).toContain(`Filed **${owner}/${repo}#${issue!.number}**`);
    expect((await replies(channel, root)).filter((reply) => reply.includes(issue!.html_url))).toHaveLength(1);
    // Two messages in the thread: the answer, which grew from the first words with the search as
    // its task, and the request above which it was asked.
    const thread = (await threadMessages(channel, root)) as unknown as { text: string; blocks?: unknown[]; tasks?: { title: string; status: string }[] }[];
    expect(thread).toHaveLength(2);
    expect(thread[0]).toMatchObject({ text: done.last!.reply, tasks: [{ title: "Search issues", status: "complete" }] });
  });

  it("a Slack report in a channel mapped to Linear becomes one Linear issue with its label and priority", async () => {
    const text = "Exporting invoices to PDF crashes the worker with RangeError: Maximum call stack size exceeded";
    const { channel, root, key } = await reportInSlack(slackToLinear, text);
    await parked(key);
    await press(channel, root, ADMIN);
    const done = await settled(key);
    const issues = (await ticketTeam()).issues.filter((issue) => issue.description.includes("Exporting invoices to PDF"));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ labels: ["Bug"], priorityLabel: "High", state: "Triage" });
    expect(issues[0]!.description).toContain("Reported by **hugo** in [a Slack thread]");
    expect(done.last?.reply).toContain(`Filed **${issues[0]!.identifier}**`);
  });

  it("a likely duplicate is offered first; approving comments the report on it and files nothing new", async () => {
    const existing = await seedTicketIssue(
      "Search returns nothing after upgrading to 2.3",
      "Since the 2.3 upgrade the search page returns no results for any query.",
    );
    const { channel, root, key } = await reportInSlack(slackToGitHub, "after the 2.3 upgrade the search page returns no results at all, for every query");
    await parked(key);
    const request = await approvalRequest(channel, root);
    expect(request.summary).toContain(`add this report to ${owner}/${repo}#${existing.number} “Search returns nothing after upgrading to 2.3” (open)`);
    const count = (await ticketIssues()).length;
    await press(channel, root, ADMIN);
    const done = await settled(key);
    const after = await ticketIssues();
    expect(after).toHaveLength(count);
    const comments = after.find((issue) => issue.number === existing.number)!.comment_list;
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain("> after the 2.3 upgrade the search page returns no results");
    expect(done.last?.reply).toContain(`Added your report to **${owner}/${repo}#${existing.number}**`);
  });

  it("a closed ticket posts exactly one update in its thread, also when the close is delivered twice or under a second delivery id", async () => {
    const { channel, root, key } = await reportInSlack(slackToGitHub, "The notifications bell shows a wrong unread count after marking everything read, it crashes with TypeError");
    await parked(key);
    await press(channel, root, ADMIN);
    await settled(key);
    const issue = (await ticketIssues()).find((candidate) => candidate.body?.includes("notifications bell"))!;
    const ticketKey = `github:${owner}/${repo}#${issue.number}`;
    const payload = await closedWebhook(issue, "2026-11-27T12:00:00Z");
    const delivery = newDelivery();
    expect((await postGitHub("issues", payload, { delivery })).status).toBe(200);
    expect(await (await postGitHub("issues", payload, { delivery })).json()).toMatchObject({ status: "duplicate" });
    // GitHub sent the same close again under a new delivery id.
    expect(await (await postGitHub("issues", payload)).json()).toMatchObject({ status: "duplicate" });
    const ticket = await settled(ticketKey);
    expect(ticket.last?.reply).toBe("");
    const updates = (await replies(channel, root)).filter((reply) => reply.includes("was closed as completed by @maria"));
    expect(updates).toEqual([`*${owner}/${repo}#${issue.number}* “${issue.title}” was closed as completed by @maria. ${issue.html_url}`]);
    // Nothing was said on the ticket itself.
    expect((await ticketIssues()).find((candidate) => candidate.number === issue.number)!.comment_list).toEqual([]);
  });

  it("a maintainer's comment on the ticket is reported in the thread; a comment by someone else is not", async () => {
    const { channel, root, key } = await reportInSlack(slackToGitHub, "Uploading an avatar larger than 2 MB fails with a 500 error and the page hangs");
    await parked(key);
    await press(channel, root, ADMIN);
    await settled(key);
    const issue = (await ticketIssues()).find((candidate) => candidate.body?.includes("Uploading an avatar"))!;
    const ticketKey = `github:${owner}/${repo}#${issue.number}`;
    const comment = async (login: string, association: string, body: string) => {
      const payload = inRepository(await githubExample("issue_comment", "created"), owner, repo);
      Object.assign(payload.issue as object, { number: issue.number, title: issue.title, html_url: issue.html_url, labels: [], pull_request: undefined, ...(await issueAsDelivered(owner, repo, issue.number)) });
      Object.assign(payload.comment as object, { body, author_association: association, html_url: `${issue.html_url}#issuecomment-1` });
      Object.assign(payload.sender as object, { login, type: "User" });
      return postGitHub("issue_comment", payload);
    };
    expect((await comment("passerby", "NONE", "Same here, any update?")).status).toBe(200);
    await settled(ticketKey);
    expect((await comment("maria", "MEMBER", "Found it: the upload limit is enforced twice. Fix coming in 2.4.")).status).toBe(200);
    await waitFor("the maintainer's comment in the thread", async () => (await replies(channel, root)).some((reply) => reply.includes("@maria commented")));
    await settled(ticketKey);
    const told = (await replies(channel, root)).filter((reply) => reply.includes("commented on"));
    expect(told).toHaveLength(1);
    // Slack escapes the quote's ">" in text it shows as is.
    expect(told[0]).toContain("&gt; Found it: the upload limit is enforced twice.");
  });

  it("a Linear ticket moved to Done reports back once in its thread", async () => {
    const { channel, root, key } = await reportInSlack(slackToLinear, "Calendar sync duplicates every recurring meeting twice since Monday, breaking the agenda view with an error");
    await parked(key);
    await press(channel, root, ADMIN);
    await settled(key);
    const issue = (await ticketTeam()).issues.find((candidate) => candidate.description.includes("Calendar sync duplicates"))!;
    const moved = (await (
      await fetch(`${emulatorUrl}/_emulator/linear/issues/${issue.id}/state`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ state: "Done" }) })
    ).json()) as { from: { id: string }; to: { id: string; name: string; type: string } };
    const webhook = issueWebhook(
      { id: issue.id, identifier: issue.identifier, number: 1, title: issue.title, description: issue.description, url: `https://linear.app/switchboard-dev/issue/${issue.identifier}`, team: { id: (await ticketTeam()).id }, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() },
      { action: "update", updatedFrom: { stateId: moved.from.id }, state: moved.to },
    );
    const delivery = crypto.randomUUID();
    expect((await postLinear(webhook, { delivery })).status).toBe(200);
    expect(await (await postLinear(webhook, { delivery })).json()).toMatchObject({ status: "duplicate" });
    await settled(`linear:${issue.id}`);
    const updates = (await replies(channel, root)).filter((reply) => reply.includes("moved to Done"));
    expect(updates).toEqual([`*${issue.identifier}* “${issue.title}” was moved to Done by ${HUMAN.name}. https://linear.app/switchboard-dev/issue/${issue.identifier}`]);
  });

  it("a Discord report becomes one GitHub issue once someone who may manage the server approves, linking the message; its thread gets the link", async () => {
    const { key, messageId, threadId, request } = await reportInDiscord(discordToGitHub, "Password reset emails arrive twice and the second link fails with an expired token error");
    expect(request.content).toContain(`in ${owner}/${repo} as a bug`);
    const done = await settled(key);
    const filed = (await ticketIssues()).filter((issue) => issue.body?.includes("Password reset emails arrive twice"));
    expect(filed).toHaveLength(1);
    // The link is to the report itself, in the channel the thread was started from.
    expect(filed[0]!.body).toContain(`in [a Discord thread](https://discord.com/channels/${TEST_DISCORD.guildId}/${discordToGitHub}/${messageId})`);
    expect(done.last?.reply).toContain(`Filed **${owner}/${repo}#${filed[0]!.number}**`);
    const filedLine = (m: { content: string }) => m.content.includes(`${owner}/${repo}#${filed[0]!.number}`) && m.content.startsWith("Filed");
    expect((await channelMessages(threadId)).filter(filedLine)).toHaveLength(1);
    expect((await channelMessages(discordToGitHub)).filter(filedLine)).toHaveLength(0);
  });

  it("a second report in the same Discord channel, after the first was filed, is its own conversation in its own thread, offered for filing too", async () => {
    const first = await reportInDiscord(discordToGitHub, "Pressing Ctrl+K opens two command palettes at once, then the window freezes with a TypeError");
    await settled(first.key);
    const second = await reportInDiscord(discordToGitHub, "Dragging a kanban card after scrolling drops it into the wrong lane, broken since 4.1 with an error in the console");
    expect(second.key).not.toBe(first.key);
    expect(second.threadId).not.toBe(first.threadId);
    // Offered, not taken for a follow-up of the first: its own request, in its own thread.
    expect(second.request.content).toContain("for approval to file “Dragging a kanban card after scrolling");
    const done = await settled(second.key);
    const filed = (await ticketIssues()).filter((issue) => issue.body?.includes("two command palettes") || issue.body?.includes("Dragging a kanban card"));
    expect(filed).toHaveLength(2);
    const [one, two] = [filed.find((issue) => issue.body!.includes("command palettes"))!, filed.find((issue) => issue.body!.includes("kanban"))!];
    expect(done.last?.reply).toContain(`Filed **${owner}/${repo}#${two.number}**`);
    // Each thread holds its own request and its own ticket's link, and only those.
    const inThread = async (threadId: string) => (await channelMessages(threadId)).map((m) => m.content).join("\n");
    expect(await inThread(first.threadId)).toContain(`${owner}/${repo}#${one.number}`);
    expect(await inThread(first.threadId)).not.toContain(`${owner}/${repo}#${two.number}`);
    expect(await inThread(second.threadId)).toContain(`${owner}/${repo}#${two.number}`);
    expect(await inThread(second.threadId)).not.toContain(`${owner}/${repo}#${one.number}`);
  });

  it("a Discord report becomes one Linear issue", async () => {
    const { key } = await reportInDiscord(discordToLinear, "Webhook retries flood the audit log with duplicate entries, then the page crashes with an error");
    const done = await settled(key);
    const issues = (await ticketTeam()).issues.filter((issue) => issue.description.includes("Webhook retries flood the audit log"));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.description).toContain("in [a Discord thread](https://discord.com/channels/");
    expect(done.last?.reply).toContain(`Filed **${issues[0]!.identifier}**`);
  });

  it("a denied request files nothing, and the answer says who denied it", async () => {
    const { channel, root, key } = await reportInSlack(slackToGitHub, "Dark mode toggle resets to light after every reload of the dashboard, which is broken");
    await parked(key);
    const before = (await ticketIssues()).length;
    await press(channel, root, ADMIN, false);
    const done = await settled(key);
    expect(done.last?.reply).toBe("Not filed: file_ticket did not run: denied by ada.");
    expect(await ticketIssues()).toHaveLength(before);
    expect((await threadMessages(channel, root)).some((m) => JSON.stringify(m.blocks ?? []).includes("Denied by ada"))).toBe(true);
  });
});
