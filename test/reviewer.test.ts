// The reviewer agent end to end: GitHub pull request deliveries, signed as GitHub signs them,
// reviewed through the emulator's real pulls.listFiles (patches, pagination), one comment and
// one size label however often the delivery arrives and wherever the process dies.
import { createOpenAI } from "@ai-sdk/openai";
import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { reviewer } from "../agents/reviewer/index.ts";
import { channels } from "../channels/index.ts";
import { renderEvent, toolsFor } from "../src/agent.ts";
import { loadConfig } from "../src/config.ts";
import { MemoryJournal } from "../src/harness/journal.ts";
import { runTurn } from "../src/harness/turn.ts";
import { testToolContext } from "./support/tools.ts";
import { RULES } from "../agents/reviewer/findings/index.ts";
import { findingTitles } from "../agents/reviewer/review.ts";
import type { ConversationAgent } from "../src/worker.ts";
import { TEST_BOT_NAME } from "./env.ts";
import { conversation, settled } from "./support/agents.ts";
import { emulatorUrl, injectFault, isCommentPost, isLabelPost, recordedCalls, waitFor } from "./support/emulator.ts";
import { githubExample, inRepository, issueAsDelivered, newDelivery, openedIssue, postGitHub, uniqueRepo, CLEAR_BUG } from "./support/github.ts";
import { FIXTURE_PULL_REQUESTS, newFilePatch, type FixtureFile, type FixturePullRequest } from "./support/pull-requests.ts";

const NUMBER = 7;
const ruleOfTitle = new Map(RULES.map((rule) => [rule.title, rule.id]));

/** Seeds the pull request's files in the emulator and builds GitHub's pull_request delivery for it. */
async function pullRequest(prefix: string, pr: Pick<FixturePullRequest, "title" | "files">) {
  const { owner, repo } = uniqueRepo(prefix);
  const seeded = await fetch(`${emulatorUrl}/_emulator/github/issues`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ owner, repo, number: NUMBER, title: pr.title, body: "", pull_request: { files: pr.files } }),
  });
  expect(seeded.status).toBe(201);
  const listed = (await (await fetch(`${emulatorUrl}/_emulator/state/github`)).json()) as {
    repos: { owner: string; name: string; issues: { number: number; files: { additions: number; deletions: number }[] }[] }[];
  };
  const files = listed.repos.find((r) => r.owner === owner && r.name === repo)!.issues.find((i) => i.number === NUMBER)!.files;
  const payload = inRepository(await githubExample("pull_request", "opened"), owner, repo);
  Object.assign(payload.pull_request as object, {
    number: NUMBER,
    title: pr.title,
    body: "",
    draft: false,
    labels: [],
    additions: files.reduce((sum, file) => sum + file.additions, 0),
    deletions: files.reduce((sum, file) => sum + file.deletions, 0),
    changed_files: files.length,
  });
  return { owner, repo, payload, key: `github:${owner}/${repo}#${NUMBER}` };
}

async function comments(repo: string): Promise<string[]> {
  const calls = await recordedCalls("github", `/${repo}/`);
  return calls.filter((call) => isCommentPost(call) && call.status === 201).map((call) => (call.body as { body: string }).body);
}

async function labelPosts(repo: string) {
  return (await recordedCalls("github", `/${repo}/`)).filter((call) => isLabelPost(call) && call.status === 200).map((call) => call.body);
}

const rulesIn = (comment: string) => findingTitles(comment).map((title) => ruleOfTitle.get(title) ?? `unknown: ${title}`);

async function stepsDone(key: string): Promise<number> {
  return runInDurableObject(await conversation(key), (instance: ConversationAgent) => instance.snapshot().current?.steps.length ?? -1);
}

describe("reviewer: each fixture pull request gets exactly its findings, in one comment, whatever happens to the delivery", () => {
  for (const [name, pr] of Object.entries(FIXTURE_PULL_REQUESTS)) {
    it(`${name} → ${pr.findings.join(", ")}, size/${pr.size}; a duplicate delivery and a crash with the comment in flight change nothing`, async () => {
      const { repo, owner, payload, key } = await pullRequest(name.toLowerCase().replace(/_/g, "-"), pr);
      // The review comment is held at GitHub while the process dies; GitHub still applies it.
      await injectFault({ platform: "github", method: "POST", pathPattern: `/repos/${owner}/${repo}/issues/${NUMBER}/comments$`, kind: "timeout", delayMs: 800, then: "proceed" });
      const delivery = newDelivery();
      const first = await postGitHub("pull_request", payload, { delivery });
      expect(first.status).toBe(200);
      expect(await first.json()).toMatchObject({ status: "accepted", conversationKey: key });
      expect(await (await postGitHub("pull_request", payload, { delivery })).json()).toMatchObject({ status: "duplicate" });

      // 0 model, 1 list_pull_request_files, 2 model, 3 list_labels, 4 model, 5 add_labels, 6 model: the reply is in flight.
      await waitFor("the review comment to be in flight", async () => (await stepsDone(key)) === 7);
      await abortAllDurableObjects();
      await waitFor("the held comment to land", async () => (await comments(repo)).length > 0);
      const state = await settled(key, 20_000);
      expect(state).toMatchObject({ agent: "reviewer", turns: { done: 1, failed: 0 }, last: { status: "done", replayedSteps: 7, modelCalls: 0 } });
      expect(await (await postGitHub("pull_request", payload, { delivery })).json()).toMatchObject({ status: "duplicate" });

      const posted = await comments(repo);
      expect(posted).toHaveLength(1);
      expect(rulesIn(posted[0]!)).toEqual(pr.findings);
      expect(posted[0]).toMatch(new RegExp(`^\\*\\*Review:\\*\\* ${pr.files.length} file\\(s\\) changed, \\+\\d+ −\\d+ \\(size ${pr.size}\\)\\.`));
      expect(posted[0]).toMatch(/<!-- switchboard:.+ -->$/);
      expect(await labelPosts(repo)).toEqual([{ labels: [`size/${pr.size}`] }]);
    });
  }

  it("the committed AWS key is named by file, line and kind, never by value", async () => {
    const { repo, payload, key } = await pullRequest("aws-detail", FIXTURE_PULL_REQUESTS.AWS_KEY_PR);
    await postGitHub("pull_request", payload);
    await settled(key);
    const [review] = await comments(repo);
    expect(review).toContain("**Possible secret added** — `config/production.env` line 2: AWS Access Key ID; line 3: AWS Secret Access Key.");
    expect(review).not.toMatch(/AKIA[A-Z0-9]{16}/);
  });

  it("the 3,000-line diff is read only in part, and the review says so", async () => {
    const { repo, payload, key } = await pullRequest("large-note", FIXTURE_PULL_REQUESTS.LARGE_PR);
    await postGitHub("pull_request", payload);
    await settled(key);
    const [review] = await comments(repo);
    expect(review).toContain("3,000 lines changed in 2 file(s).");
    expect(review).toMatch(/_Not the whole diff: 2 patch\(es\) truncated \(patches are capped at 20,000 characters per file and 160,000 in all\)\./);
  });
});

describe("reviewer: reading the pull request", () => {
  it("pages through every file GitHub lists, 100 at a time", async () => {
    const files: FixtureFile[] = Array.from({ length: 250 }, (_, i) => ({ filename: `docs/page-${i}.md`, status: "added", patch: newFilePatch([`# Page ${i}`]) }));
    const { repo, payload, key } = await pullRequest("paged", { title: "Docs for every page", files });
    await postGitHub("pull_request", payload);
    await settled(key);
    const pages = (await recordedCalls("github", `/${repo}/pulls/${NUMBER}/files`)).map((call) => new URL(call.path, "http://x").searchParams.get("page") ?? "1");
    expect(pages).toEqual(["1", "2", "3"]);
    const [review] = await comments(repo);
    expect(review).toMatch(/^\*\*Review:\*\* 250 file\(s\) changed, \+250 −0 \(size L\)\./);
    expect(rulesIn(review!)).toEqual(["large-diff"]);
  });

  it("a draft is left alone; marked ready for review, it is reviewed", async () => {
    const { repo, payload, key } = await pullRequest("draft", FIXTURE_PULL_REQUESTS.TESTS_MISSING_PR);
    Object.assign(payload.pull_request as object, { draft: true });
    const ignored = await postGitHub("pull_request", payload);
    expect(ignored.status).toBe(202);
    const ready = { ...payload, action: "ready_for_review", pull_request: { ...(payload.pull_request as object), draft: false } };
    expect((await postGitHub("pull_request", ready)).status).toBe(200);
    expect(await settled(key)).toMatchObject({ agent: "reviewer", turns: { done: 1, failed: 0 } });
    expect((await comments(repo)).map(rulesIn)).toEqual([["tests-missing"]]);
  });
});

describe("reviewer: the conversation stays with it", () => {
  async function comment(owner: string, repo: string, body: string, onPullRequest = true) {
    const payload = inRepository(await githubExample("issue_comment", "created"), owner, repo);
    Object.assign(payload.comment as object, { body, id: Math.floor(Math.random() * 1e9) + 1 });
    Object.assign(payload.issue as object, {
      number: NUMBER,
      labels: [],
      pull_request: onPullRequest ? { url: `https://api.github.com/repos/${owner}/${repo}/pulls/${NUMBER}` } : undefined,
      ...(await issueAsDelivered(owner, repo, NUMBER)),
    });
    return postGitHub("issue_comment", payload);
  }

  it("a follow-up comment gets the findings restated; asked to review again, it reads the files again", async () => {
    const { owner, repo, payload, key } = await pullRequest("followup", FIXTURE_PULL_REQUESTS.AWS_KEY_PR);
    await postGitHub("pull_request", payload);
    await settled(key);

    expect((await comment(owner, repo, `@${TEST_BOT_NAME} what did you find?`)).status).toBe(200);
    await waitFor("the follow-up answer", async () => (await comments(repo)).length === 2);
    const answer = (await comments(repo))[1]!;
    expect(answer).toMatch(/^Following up on my review of this pull request \(1 file\(s\) changed, \+3 −0 \(size XS\)\):/);
    expect(answer).toContain("- **Possible secret added** — `config/production.env` line 2: AWS Access Key ID;");
    expect((await recordedCalls("github", `/${repo}/pulls/${NUMBER}/files`))).toHaveLength(1);

    expect((await comment(owner, repo, `@${TEST_BOT_NAME} review again please`)).status).toBe(200);
    await waitFor("the second review", async () => (await comments(repo)).length === 3);
    const state = await settled(key);
    expect(state).toMatchObject({ agent: "reviewer", turns: { done: 3, failed: 0 } });
    expect(rulesIn((await comments(repo))[2]!)).toEqual(["secret"]);
    expect(await recordedCalls("github", `/${repo}/pulls/${NUMBER}/files`)).toHaveLength(2);
  });

  it("people discussing the pull request among themselves get no reply", async () => {
    const { owner, repo, payload, key } = await pullRequest("chatter", FIXTURE_PULL_REQUESTS.TESTS_MISSING_PR);
    await postGitHub("pull_request", payload);
    await settled(key);
    // The bot takes part now, so the comment reaches it; it is not addressed, so nothing is said.
    expect(await (await comment(owner, repo, "LGTM once the tests are in")).json()).toMatchObject({ status: "accepted" });
    expect(await settled(key)).toMatchObject({ agent: "reviewer", turns: { done: 2, failed: 0 }, last: { status: "done", reply: "" } });
    expect(await comments(repo)).toHaveLength(1);
  });

  it("a mention on a pull request the bot has not reviewed yet starts the review", async () => {
    const { owner, repo, key } = await pullRequest("mention-first", FIXTURE_PULL_REQUESTS.LOCKFILE_ONLY_PR);
    expect((await comment(owner, repo, `@${TEST_BOT_NAME} thoughts?`)).status).toBe(200);
    expect(await settled(key)).toMatchObject({ agent: "reviewer", turns: { done: 1, failed: 0 } });
    expect((await comments(repo)).map(rulesIn)).toEqual([["lockfile-only"]]);
  });

  it("issues stay with triage, and a mention on an issue is answered by it", async () => {
    const { owner, repo } = uniqueRepo("issue-triage");
    const opened = await openedIssue(owner, repo, CLEAR_BUG);
    expect((await postGitHub("issues", opened)).status).toBe(200);
    const key = `github:${owner}/${repo}#${(opened.issue as { number: number }).number}`;
    expect(await settled(key)).toMatchObject({ agent: "triage" });
    const [triaged] = await comments(repo);
    expect(triaged).toMatch(/^\*\*Triage:\*\* this looks like a bug report/);
  });
});

describe("reviewer with MODEL set: a language model gets the same instructions and tools", () => {
  it("the model is offered the three tools, calls the files tool, and reads the patches in its result", async () => {
    const { owner, repo } = await pullRequest("llm", FIXTURE_PULL_REQUESTS.AWS_KEY_PR);
    // OpenAI's Chat Completions wire format, answered locally: a tool call, then the review.
    const requests: { messages: { role: string; content: unknown }[]; tools?: { function: { name: string } }[] }[] = [];
    const provider = createOpenAI({
      apiKey: "test",
      baseURL: "https://llm.test/v1",
      fetch: async (_url, init) => {
        requests.push(JSON.parse(String(init?.body)));
        const message =
          requests.length === 1
            ? { content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "list_pull_request_files", arguments: "{}" } }] }
            : { content: "**Review:** 1 file(s) changed, +3 −0 (size XS).\n\nFindings:\n- **Possible secret added** — `config/production.env` line 3." };
        return Response.json({
          id: `chatcmpl-${requests.length}`,
          object: "chat.completion",
          created: 1_763_800_000,
          model: "gpt-4.1-mini",
          choices: [{ index: 0, message: { role: "assistant", ...message }, finish_reason: requests.length === 1 ? "tool_calls" : "stop" }],
          usage: { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 },
        });
      },
    });
    const target = { channel: "github" as const, owner, repo, number: NUMBER, isPullRequest: true };
    const config = loadConfig(env as unknown as Record<string, unknown>, channels).channels.get("github");
    const replies: string[] = [];
    const result = await runTurn({
      model: provider.chat("gpt-4.1-mini"),
      instructions: reviewer.instructions,
      history: [],
      prompt: renderEvent({
        channel: "github",
        dedupeId: "d",
        aliases: [],
        conversationKey: `github:${owner}/${repo}#${NUMBER}`,
        kind: "pr_opened",
        actor: { id: "1", name: "octocat", isBot: false, isSelf: false },
        text: "",
        addressedToBot: true,
        title: FIXTURE_PULL_REQUESTS.AWS_KEY_PR.title,
        occurredAt: new Date().toISOString(),
        replyTo: target,
      }),
      tools: toolsFor(reviewer, "github"),
      toolContext: (effect) => testToolContext(effect, { name: "github", target, config }),
      outbound: { reply: async (text) => (replies.push(text), { id: "1" }) },
      journal: new MemoryJournal(),
      turnKey: "t",
      maxSteps: 12,
    });
    expect(result).toMatchObject({ modelCalls: 2, capped: false });
    expect(requests[0]!.tools?.map((tool) => tool.function.name)).toEqual(["list_pull_request_files", "list_labels", "add_labels"]);
    expect(requests[0]!.messages[0]).toEqual({ role: "system", content: reviewer.instructions });
    const toolMessage = requests[1]!.messages.find((message) => message.role === "tool");
    expect(String(toolMessage?.content)).toContain(`+AWS_SECRET_ACCESS_KEY=`);
    expect(replies).toHaveLength(1);
  });
});
