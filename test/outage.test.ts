import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ConversationAgent } from "../src/worker.ts";
import { conversation, settled } from "./support/agents.ts";
import { emulatorUrl, injectFault, isCommentPost, recordedCalls, waitFor } from "./support/emulator.ts";
import { CLEAR_BUG, githubExample, issueAsDelivered, openedIssue, postGitHub, uniqueRepo } from "./support/github.ts";
import { inRepository } from "../dev/github-events.ts";

const RETRY_AFTER_S = 120;

async function snapshot(key: string) {
  return runInDurableObject(await conversation(key), (instance: ConversationAgent) => instance.snapshot());
}

/** What the conversation has scheduled: the wake-ups its alarm will run. */
async function schedules(key: string) {
  return runInDurableObject(await conversation(key), (instance: ConversationAgent) =>
    instance.getSchedules().map((schedule) => ({ callback: schedule.callback, time: schedule.time })),
  );
}

/** Lets the time the platform asked for pass, then runs the callback the alarm would run. */
async function afterTheWait(key: string) {
  await runInDurableObject(await conversation(key), async (instance: ConversationAgent, state) => {
    state.storage.sql.exec("UPDATE sb_inbox SET retry_at = ? WHERE retry_at IS NOT NULL", Date.now() - 1);
    await instance.wake();
  });
}

async function comment(owner: string, repo: string, body: string) {
  const payload = inRepository(await githubExample("issue_comment", "created"), owner, repo);
  Object.assign(payload.issue as object, { number: 1, pull_request: undefined, ...(await issueAsDelivered(owner, repo, 1)) });
  Object.assign(payload.comment as object, { body });
  return postGitHub("issue_comment", payload);
}

describe("a platform outage never loses an acknowledged reply", () => {
  it("Retry-After of minutes: the turn waits on the alarm, a later event queues behind it, both answer once in order", async () => {
    const { owner, repo } = uniqueRepo("outage");
    const key = `github:${owner}/${repo}#1`;
    const fault = await injectFault({
      platform: "github",
      method: "POST",
      pathPattern: `/${repo}/issues/1/comments`,
      kind: "status",
      status: 503,
      retryAfter: RETRY_AFTER_S,
      times: 1000,
    });
    expect((await postGitHub("issues", await openedIssue(owner, repo, CLEAR_BUG))).status).toBe(200);

    const waiting = await waitFor("the turn to wait out the outage", async () => {
      const state = await snapshot(key);
      return state.last?.status === "waiting" ? state : null;
    });
    // Nothing holds the isolate: the retry is a scheduled wake-up at the time the platform asked.
    const retryAt = waiting.last!.retryAt!;
    expect(retryAt - Date.now()).toBeGreaterThan((RETRY_AFTER_S - 10) * 1000);
    const scheduled = await schedules(key);
    expect(scheduled).toContainEqual({ callback: "wake", time: expect.any(Number) });
    expect(Math.max(...scheduled.map((s) => s.time * 1000))).toBeGreaterThanOrEqual(retryAt - 1000);

    // A follow-up that arrives meanwhile is acknowledged and waits its turn; the first is not retried early.
    expect((await comment(owner, repo, `@switchboard any update?`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const queued = await snapshot(key);
    expect(queued.pending).toBe(2);
    expect((await recordedCalls("github", `/${repo}/`)).filter(isCommentPost).map((call) => call.status)).toEqual([503]);

    // The outage ends; the wake-up comes.
    await fetch(`${emulatorUrl}/_emulator/faults/${fault}`, { method: "DELETE" });
    await afterTheWait(key);
    const done = await settled(key);
    expect(done.pending).toBe(0);
    expect(done.turns).toEqual({ done: 2, failed: 0 });
    const posted = (await recordedCalls("github", `/${repo}/`)).filter((call) => isCommentPost(call) && call.status === 201);
    expect(posted).toHaveLength(2);
    // In order: the triage comment first, then the answer to the follow-up.
    const bodies = posted.map((call) => (call.body as { body: string }).body);
    expect(bodies[0]).toMatch(/\*\*Triage:\*\*/);
    expect(bodies[1]).not.toMatch(/\*\*Triage:\*\*/);
  });

  it("a 5xx on a post: the alarm runs the turn again after the backoff, and the reply lands once", async () => {
    const { owner, repo } = uniqueRepo("blip");
    await injectFault({ platform: "github", method: "POST", pathPattern: `/${repo}/issues/1/comments`, kind: "status", status: 502, times: 1 });
    expect((await postGitHub("issues", await openedIssue(owner, repo, CLEAR_BUG))).status).toBe(200);
    const done = await settled(`github:${owner}/${repo}#1`, 15_000);
    expect(done.turns).toEqual({ done: 1, failed: 0 });
    const posts = (await recordedCalls("github", `/${repo}/`)).filter(isCommentPost);
    expect(posts.map((call) => call.status)).toEqual([502, 201]);
    // Not before the backoff: nothing retried the post in place (it may have landed).
    expect(Date.parse(posts[1]!.at) - Date.parse(posts[0]!.at)).toBeGreaterThanOrEqual(1_000);
  });

  it("a turn still failing when its retry window closes is recorded failed with its event and journal, and can be re-run once", async () => {
    const { owner, repo } = uniqueRepo("window");
    const key = `github:${owner}/${repo}#1`;
    const fault = await injectFault({ platform: "github", method: "POST", pathPattern: `/${repo}/issues/1/comments`, kind: "status", status: 502, times: 1000 });
    expect((await postGitHub("issues", await openedIssue(owner, repo, CLEAR_BUG))).status).toBe(200);
    await waitFor("the first transient failure", async () => (await snapshot(key)).last?.status === "waiting");

    // A day later, still down.
    await runInDurableObject(await conversation(key), (_instance: ConversationAgent, state) => {
      state.storage.sql.exec("UPDATE sb_inbox SET received_at = received_at - ?", 24 * 3_600_000 + 1);
    });
    await afterTheWait(key);
    const failed = await settled(key);
    expect(failed.turns).toEqual({ done: 0, failed: 1 });
    expect(failed.last).toMatchObject({ status: "failed", error: expect.stringMatching(/retry window closed/) });
    const kept = await runInDurableObject(await conversation(key), (_instance: ConversationAgent, state) => ({
      event: state.storage.sql.exec<{ event: string | null }>("SELECT event FROM sb_inbox WHERE seq = 1").one().event,
      journal: state.storage.sql.exec<{ kind: string; name: string; output: string | null }>("SELECT kind, name, output FROM sb_journal WHERE seq = 1 ORDER BY step").toArray(),
    }));
    expect(kept.event).not.toBeNull();
    expect(kept.journal.map((step) => `${step.kind}:${step.name}`)).toContain("tool:add_labels");
    expect(kept.journal.at(-1)).toMatchObject({ kind: "reply", output: null });

    // What an operator sees: the failed turn and its journal, without message content unless asked.
    const report = await (await conversation(key)).inspect();
    expect(report).toMatchObject({ agent: "triage", counts: { pending: 0, done: 0, failed: 1 } });
    expect(report.failedTurns).toEqual([
      expect.objectContaining({ seq: 1, kind: "issue_opened", error: expect.stringMatching(/retry window closed/) }),
    ]);
    expect(report.failedTurns[0]!.journal.at(-1)).toEqual({ step: report.failedTurns[0]!.journal.length - 1, kind: "reply", name: "reply", finished: false });
    expect(JSON.stringify(report)).not.toContain(CLEAR_BUG.body.slice(0, 30));
    const withContent = await (await conversation(key)).inspect({ content: true });
    expect(withContent.failedTurns[0]!.text).toBe(CLEAR_BUG.body);

    // The platform is back; an operator re-runs the turn: its journal answers the finished steps.
    await fetch(`${emulatorUrl}/_emulator/faults/${fault}`, { method: "DELETE" });
    expect(await (await conversation(key)).rerun(1)).toBe(true);
    const done = await settled(key);
    expect(done.turns).toEqual({ done: 1, failed: 0 });
    const calls = await recordedCalls("github", `/${repo}/`);
    expect(calls.filter((call) => isCommentPost(call) && call.status === 201)).toHaveLength(1);
    expect(calls.filter((call) => call.method === "POST" && call.path.endsWith("/labels"))).toHaveLength(1);
    expect(await (await conversation(key)).rerun(1)).toBe(false);
  });
});
