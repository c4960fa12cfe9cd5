import { describe, expect, it } from "vitest";
import { TEST_BOT_NAME } from "./env.ts";
import { settled } from "./support/agents.ts";
import { CRASH_REPORT } from "./support/reports.ts";
import { isCommentPost, isLabelPost, recordedCalls, waitFor } from "./support/emulator.ts";
import { githubExample, inRepository, issueAsDelivered, postGitHub, uniqueRepo } from "./support/github.ts";

async function openedIssue(owner: string, repo: string, title: string, body: string) {
  const payload = inRepository(await githubExample("issues", "opened"), owner, repo);
  Object.assign(payload.issue as object, { title, body, labels: [] });
  return payload;
}

// What every channel does (one reply in place, duplicates, crashes, 429, signatures, its own
// messages, conversation keys) is test/contract's; this file holds what only GitHub does.
describe("GitHub: an opened issue gets one triage comment and labels", () => {
  it("classifies, labels from the repository's own labels, and comments once", async () => {
    const { owner, repo } = uniqueRepo("triage");
    expect((await postGitHub("issues", await openedIssue(owner, repo, CRASH_REPORT.title, CRASH_REPORT.body))).status).toBe(200);

    const comments = await waitFor("the triage comment", async () => {
      const calls = (await recordedCalls("github", `/${repo}/`)).filter(isCommentPost);
      return calls.length > 0 ? calls : null;
    });
    await settled(`github:${owner}/${repo}#1`);
    const calls = await recordedCalls("github", `/${repo}/`);
    expect(calls.filter(isCommentPost)).toHaveLength(1);
    const body = (comments[0]!.body as { body: string }).body;
    expect(body).toMatch(/\*\*Triage:\*\* this looks like a bug report \(confidence \d+%\)/);
    expect(body).toMatch(/Why: .+/);
    expect(body).toMatch(/Labels applied: `bug`/);
    expect(body).toMatch(/<!-- switchboard:.+ -->$/);
    // It looked at the repository's labels before choosing, and applied only an existing one.
    expect(calls.findIndex((c) => c.method === "GET" && c.path.includes("/labels"))).toBeLessThan(calls.findIndex(isLabelPost));
    expect(calls.filter(isLabelPost).map((c) => c.body)).toEqual([{ labels: ["bug"] }]);
  });

  it("answers a follow-up mention in context, ignores other bots and unaddressed chatter before it took part", async () => {
    const { owner, repo } = uniqueRepo("followup");
    const key = `github:${owner}/${repo}#1`;
    const comment = async (body: string, login = "Codertocat", type = "User") => {
      const payload = inRepository(await githubExample("issue_comment", "created"), owner, repo);
      Object.assign(payload.issue as object, { comments: (await issueAsDelivered(owner, repo, 1)).comments });
      Object.assign(payload.comment as object, { body, id: Math.floor(Math.random() * 1e9) + 1 });
      Object.assign(payload.sender as object, { login, type });
      return payload;
    };

    const early = await postGitHub("issue_comment", await comment("Anyone seen this?"));
    expect(early.status).toBe(202);
    expect(await early.json()).toMatchObject({ status: "ignored", reason: expect.stringMatching(/not addressed to the bot/) });

    await postGitHub("issues", await openedIssue(owner, repo, CRASH_REPORT.title, CRASH_REPORT.body));
    await settled(key);

    const otherBot = await postGitHub("issue_comment", await comment(`@${TEST_BOT_NAME} hi`, "dependabot[bot]", "Bot"));
    expect(otherBot.status).toBe(202);

    const followUp = await postGitHub("issue_comment", await comment(`@${TEST_BOT_NAME} why did you label it that way?`));
    expect(followUp.status).toBe(200);
    const replies = await waitFor("the follow-up answer", async () => {
      const posts = (await recordedCalls("github", `/${repo}/`)).filter(isCommentPost);
      return posts.length >= 2 ? posts : null;
    });
    const answer = (replies[1]!.body as { body: string }).body;
    expect(answer).toMatch(/My reasons were: /);
    expect(answer).toMatch(/Following up on my earlier note/);

    // Now that the bot takes part, a comment that does not mention it still reaches it.
    const chatter = await postGitHub("issue_comment", await comment("Thanks, that helps"));
    expect(chatter.status).toBe(200);
    await settled(key);
    expect((await recordedCalls("github", `/${repo}/`)).filter(isCommentPost)).toHaveLength(3);
  });

  it("a mention sent while the first turn runs waits for it and is answered with its context", async () => {
    const { owner, repo } = uniqueRepo("order");
    const key = `github:${owner}/${repo}#1`;
    const mention = inRepository(await githubExample("issue_comment", "created"), owner, repo);
    Object.assign(mention.comment as object, { body: `@${TEST_BOT_NAME} why?`, id: 77 });
    // Back to back: the mention arrives while the issue's triage turn is still running.
    const [opened, asked] = await Promise.all([
      postGitHub("issues", await openedIssue(owner, repo, CRASH_REPORT.title, CRASH_REPORT.body)),
      new Promise((resolve) => setTimeout(resolve, 5)).then(() => postGitHub("issue_comment", mention)),
    ]);
    expect([opened.status, asked.status]).toEqual([200, 200]);
    const state = await settled(key);
    expect(state.turns).toEqual({ done: 2, failed: 0 });
    const posts = (await recordedCalls("github", `/${repo}/`)).filter(isCommentPost);
    const bodies = posts.map((call) => (call.body as { body: string }).body);
    expect(bodies).toHaveLength(2);
    expect(bodies[0]).toMatch(/^\*\*Triage:\*\*/);
    expect(bodies[1]).toMatch(/My reasons were: /);
  });
});
