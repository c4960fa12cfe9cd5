import { describe, expect, it } from "vitest";
import { settled } from "./support/agents.ts";
import { emulatorUrl, isCommentPost, recordedCalls, waitFor } from "./support/emulator.ts";
import { openedIssue, postGitHub, uniqueRepo } from "./support/github.ts";
import { BOT, issueWebhook, linearState, postLinear, seedIssue, seedTeam } from "./support/linear.ts";
import { FINE_SNIPPET, LOOPS_FOREVER, NEEDS_NETWORK, OFF_BY_ONE_DATE, REPOSITORY_FILE, UNDEFINED_FIELD, WRONG_REGEX } from "./fixtures/snippet-reports.ts";

/** Opens the issue as GitHub would deliver it and returns the one triage comment the bot posted. */
async function triageComment(report: { title: string; body: string }, repository = uniqueRepo("sandbox")): Promise<string> {
  const { owner, repo } = repository;
  expect((await postGitHub("issues", await openedIssue(owner, repo, report))).status).toBe(200);
  await settled(`github:${owner}/${repo}#1`, 20_000);
  const comments = (await recordedCalls("github", `/${owner}/${repo}/`)).filter(isCommentPost);
  expect(comments).toHaveLength(1);
  return (comments[0]!.body as { body: string }).body;
}

async function seedRepository(owner: string, repo: string, files: Record<string, string>): Promise<void> {
  const response = await fetch(`${emulatorUrl}/_emulator/github/repos/${owner}/${repo}/files`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ files }),
  });
  expect(response.status).toBe(201);
}

describe("triage runs a bug report's JavaScript snippet in the sandbox and says what it found", () => {
  it("a TypeError on undefined: reproduced, with the error and the top of its stack, beside the classification", async () => {
    const comment = await triageComment(UNDEFINED_FIELD);
    expect(comment).toMatch(/^\*\*Triage:\*\* this looks like a bug report/);
    expect(comment).toContain("**Reproduced** in a sandbox: the snippet throws");
    expect(comment).toContain("TypeError: Cannot read properties of undefined (reading 'city')\n    at shippingLabel (snippet:2)\n    at snippet:6");
    // What it printed before it threw comes along.
    expect(comment).toContain("Its output before that:\n```\nAda, LONDON\n```");
    expect(comment).toMatch(/Labels applied: `bug`/);
  });

  it("a wrong regular expression: reproduced as a failed assertion", async () => {
    const comment = await triageComment(WRONG_REGEX);
    expect(comment).toContain("**Reproduced** in a sandbox: the snippet fails its assertion.");
    expect(comment).toContain("AssertionError: a plus address was rejected");
  });

  it("an off-by-one in a date computation, in TypeScript: reproduced as a failed assertion", async () => {
    const comment = await triageComment(OFF_BY_ONE_DATE);
    expect(comment).toContain("**Reproduced** in a sandbox: the snippet fails its assertion.");
    expect(comment).toContain("February 2024 has 29 days, got 31");
    expect(comment).toContain("January: 31");
  });

  it("a snippet importing the repository's own buggy file: only the files it needs are loaded, and it reproduces", async () => {
    const repository = uniqueRepo("paginate");
    await seedRepository(repository.owner, repository.repo, REPOSITORY_FILE.files);
    const comment = await triageComment(REPOSITORY_FILE, repository);
    expect(comment).toContain("**Reproduced** in a sandbox: the snippet fails its assertion.");
    expect(comment).toMatch(/AssertionError: Expected values to be strictly deep-equal:\n\+ actual - expected\n\+ \[ 1, 2 \]\n- \[ 1, 2, 3 \]/);
    const calls = await recordedCalls("github", `/${repository.owner}/${repository.repo}`);
    const reads = calls.filter((call) => call.method === "GET" && /\/(contents|git\/trees)\//.test(call.path)).map((call) => decodeURIComponent(call.path.replace(/^.*\/repos\/[^/]+\/[^/]+/, "")));
    // One tree listing at the default branch, then the file the snippet imports and the one that file imports; nothing else.
    expect(reads).toEqual(["/git/trees/main?recursive=1", "/contents/src/paginate.js?ref=main", "/contents/src/util/clamp.js?ref=main"]);
  });

  it("a snippet that behaves: did not reproduce, with its output", async () => {
    const comment = await triageComment(FINE_SNIPPET);
    expect(comment).toContain("**Did not reproduce** in a sandbox: the snippet ran cleanly. Its output:\n```\n1, 9, 10\n```");
  });

  it("a snippet that needs the network: could not run, and why", async () => {
    const comment = await triageComment(NEEDS_NETWORK);
    expect(comment).toContain("**Could not run** the snippet in a sandbox: it needs the network (fetch https://api.example.com/users/404), which the sandbox does not have.");
  });

  it("a snippet that loops forever: could not run, and the Worker goes on serving the next report", async () => {
    const comment = await triageComment(LOOPS_FOREVER);
    expect(comment).toMatch(/\*\*Could not run\*\* the snippet in a sandbox: it ran (more than [\d,]+ loop iterations and calls|longer than 1000 ms)\./);
    expect(await triageComment(FINE_SNIPPET)).toContain("**Did not reproduce**");
  });

  it("a report without a snippet is triaged as before, with no sandbox run", async () => {
    const { owner, repo } = uniqueRepo("nosnippet");
    await triageComment({ title: "App crashes on save", body: "Steps to reproduce:\n1. Open settings\n2. Click save\n\nIt crashes. Version 2.0" }, { owner, repo });
    const state = await settled(`github:${owner}/${repo}#1`);
    expect(state.last?.journal?.map((step) => step.name)).not.toContain("run_snippet");
  });

  it("a Linear issue assigned to the bot: its self-contained snippet is run too, and the verdict is in the comment", async () => {
    const team = await seedTeam();
    const issue = await seedIssue(team, WRONG_REGEX.title, WRONG_REGEX.body);
    const key = `linear:${issue.id}`;
    expect((await postLinear(issueWebhook(issue, { action: "update", assigneeId: BOT.id, updatedFrom: { assigneeId: null } }))).status).toBe(200);
    const state = await settled(key, 20_000);
    expect(state.last?.journal?.map((step) => step.name)).toContain("run_snippet");
    const snapshot = await linearState();
    const comments = snapshot.teams.find((t) => t.id === team.id)?.issues.find((i) => i.id === issue.id)?.comments as { body: string }[];
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain("**Reproduced** in a sandbox: the snippet fails its assertion.");
    expect(comments[0]!.body).toContain("AssertionError: a plus address was rejected");
  });
});
