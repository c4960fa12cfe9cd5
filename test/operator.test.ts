import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import worker from "../src/worker.ts";
import { TEST_ADMIN_TOKEN } from "./env.ts";
import { settled } from "./support/agents.ts";
import { recordedCalls, waitFor } from "./support/emulator.ts";
import { faultsOfThisTest } from "./support/faults.ts";
import { CLEAR_BUG, openedIssue, postGitHub, uniqueRepo } from "./support/github.ts";

const operator = (path: string, init: RequestInit & { token?: string | null } = {}) => {
  const { token = TEST_ADMIN_TOKEN, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token !== null) headers.set("authorization", `Bearer ${token}`);
  return exports.default.fetch(new Request(`https://switchboard.test/operator${path}`, { ...rest, headers }));
};
const conversationPath = (key: string) => `/conversations/${encodeURIComponent(key)}`;

interface Report {
  conversationKey: string;
  agent: string | null;
  inbox: { seq: number; dedupeId: string; status: string }[];
  counts: { pending: number; done: number; failed: number };
  historyMessages: number;
  failedTurns: { seq: number; error: string; journal: { kind: string; name: string; finished: boolean; output?: string }[]; text?: string }[];
  history?: { role: string; text: string }[];
}

async function answeredIssue() {
  const { owner, repo } = uniqueRepo("operator");
  const key = `github:${owner}/${repo}#1`;
  expect((await postGitHub("issues", await openedIssue(owner, repo, CLEAR_BUG))).status).toBe(200);
  await settled(key);
  return { owner, repo, key };
}

const faults = faultsOfThisTest();
afterEach(() => faults.cleanUp());

describe("the operator endpoint", () => {
  it("is off without ADMIN_TOKEN: every operator path answers 404, as a path the Worker lacks would", async () => {
    const withoutToken = { ...env, ADMIN_TOKEN: undefined } as Env;
    for (const path of [conversationPath("github:acme/app#1"), "/discord/gateway/status"]) {
      const request = new Request(`https://switchboard.test/operator${path}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
      const response = await worker.fetch(request, withoutToken, createExecutionContext());
      expect(response.status).toBe(404);
    }
  });

  it("refuses a request without the token, or with a wrong one, with 401 and nothing about the conversation", async () => {
    const { key } = await answeredIssue();
    for (const token of [null, "a-wrong-token-of-the-same-length-000000"]) {
      const response = await operator(conversationPath(key), { token });
      expect(response.status).toBe(401);
      const body = await response.text();
      expect(body).toBe(JSON.stringify({ error: "unauthorized" }));
    }
  });

  it("refuses to run with an ADMIN_TOKEN short enough to guess, naming the variable and not its value", async () => {
    const weak = { ...env, ADMIN_TOKEN: "letmein" } as Env;
    const request = new Request(`https://switchboard.test/operator${conversationPath("github:acme/app#1")}`, { headers: { authorization: "Bearer letmein" } });
    const response = await worker.fetch(request, weak, createExecutionContext());
    expect(response.status).toBe(503);
    const body = await response.text();
    expect(body).toContain("ADMIN_TOKEN: must be at least 32 characters");
    expect(body).not.toContain("letmein");
  });

  it("with the token shows the conversation's owner, inbox and history size, and no message text unless asked", async () => {
    const { key } = await answeredIssue();
    const response = await operator(conversationPath(key));
    expect(response.status).toBe(200);
    const report = (await response.json()) as Report;
    expect(report).toMatchObject({ conversationKey: key, agent: "triage", counts: { pending: 0, done: 1, failed: 0 }, historyMessages: 2, failedTurns: [] });
    expect(report.inbox).toEqual([expect.objectContaining({ seq: 1, status: "done" })]);
    expect(JSON.stringify(report)).not.toContain("Cannot read properties");
    expect(report.history).toBeUndefined();

    const withContent = (await (await operator(`${conversationPath(key)}?content=true`)).json()) as Report;
    expect(withContent.history?.map((message) => message.role)).toEqual(["user", "assistant"]);
    expect(JSON.stringify(withContent.history)).toContain("Cannot read properties");
  });

  it("re-runs a failed turn: the journal answers the steps that finished, and the reply is posted once", async () => {
    const { owner, repo } = uniqueRepo("operator-rerun");
    const key = `github:${owner}/${repo}#1`;
    // GitHub refuses the comment for good (a 422 is permanent): the turn is recorded as failed.
    await faults.inject({ platform: "github", method: "POST", pathPattern: `^/repos/${owner}/${repo}/issues/1/comments$`, kind: "status", status: 422, times: 1 });
    expect((await postGitHub("issues", await openedIssue(owner, repo, CLEAR_BUG))).status).toBe(200);
    await settled(key);
    const failed = (await (await operator(conversationPath(key))).json()) as Report;
    expect(failed.counts).toMatchObject({ done: 0, failed: 1 });
    const [turn] = failed.failedTurns;
    expect(turn?.journal.filter((step) => step.finished).map((step) => step.kind)).toContain("tool");
    expect(turn?.journal.some((step) => step.output !== undefined)).toBe(false);

    expect((await operator(`${conversationPath(key)}/turns/${turn!.seq + 100}/rerun`, { method: "POST" })).status).toBe(409);
    const rerun = await operator(`${conversationPath(key)}/turns/${turn!.seq}/rerun`, { method: "POST" });
    expect(await rerun.json()).toEqual({ status: "queued", conversationKey: key, seq: turn!.seq });
    await waitFor("the re-run to finish", async () => ((await (await operator(conversationPath(key))).json()) as Report).counts.done === 1);

    const comments = (await recordedCalls("github", `/repos/${owner}/${repo}/issues/1/comments`)).filter((call) => call.method === "POST");
    expect(comments.map((call) => call.status)).toEqual([422, 201]);
    // Labels were applied before the failure; the re-run took them from the journal.
    const labels = (await recordedCalls("github", `/repos/${owner}/${repo}/issues/1/labels`)).filter((call) => call.method === "POST");
    expect(labels).toHaveLength(1);
  });
});
